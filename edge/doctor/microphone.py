"""Microphone: PortAudio present and the configured input device there (speech needs it).

The device is opened the way the terminal opens it (speech.audio.sources.MicrophoneSource),
so a device the doctor finds is one the terminal finds. Required only when speech is on.
"""

from pathlib import Path

from edge.doctor.context import DoctorContext
from edge.doctor.result import CheckResult, passed, problem, skipped

NAME = "microphone"
_NO_DEVICE_FIX = (
    "plug in a USB microphone or sound card (arecord -l lists what the kernel sees), check "
    "that the service user is in the audio group (the installer puts it there), and set "
    "speech.microphone.device in the config if it is not the default input"
)


def check_microphone(ctx: DoctorContext) -> CheckResult:
    required = ctx.speech_on
    if ctx.simulate:
        return skipped(
            NAME,
            "simulated: no microphone is opened (edge run --speech-from FILE plays audio)",
            required,
        )
    try:
        from speech.audio.source import AudioError
        from speech.audio.sources import MicrophoneSource
    except ImportError as exc:
        return problem(
            NAME,
            required,
            f"the speech packages are not installed ({exc})",
            "pip install 'quorum-rooms[speech]' in the terminal's virtual environment "
            "(deploy/pi/install.sh does)",
        )
    wanted = ctx.config.speech.microphone
    try:
        source = MicrophoneSource(wanted.device, wanted.channel)
    except AudioError as exc:
        first, _, rest = str(exc).partition("\n")
        if "apt-get install" in first:  # "PortAudio is not installed: sudo apt-get install ..."
            what, _, fix = first.partition(": ")
            fix = f"{fix} (deploy/pi/install.sh does)"
        else:
            what = first
            fix = " ".join([_NO_DEVICE_FIX, *(line.strip() for line in rest.splitlines())])
        message = f"no microphone: {what}"
        if not required:
            message += " (speech is off in this config, so the terminal does not need one)"
        return problem(NAME, required, message, fix, sound_devices=Path("/dev/snd").exists())
    try:
        found = (
            f"input device {'default' if wanted.device is None else repr(wanted.device)}: "
            f"{source.input_channels} channel(s) at {source.sample_rate} Hz"
        )
    finally:
        source.close()
    return passed(NAME, found, required)
