"""Credentials: the broker password reference resolves, TLS files are readable and private.

Local only (no network), so it runs with ``--offline`` too; there it is not required (the
credentials are for the broker, which ``--offline`` leaves out), so a config checked on a
desk without its secrets still passes. The password itself is never printed. Secrets
readable by every user on the terminal are reported as warnings.
"""

import stat
from pathlib import Path

from edge.credentials import CredentialError, check_tls_files, resolve_secret
from edge.doctor.context import DoctorContext
from edge.doctor.result import CheckResult, Status, passed, problem

NAME = "credentials"
PROVISION = "python -m hub devices provision"
_ENV_FILE = "/etc/quorum/edge.env"


def check_credentials(ctx: DoctorContext) -> CheckResult:
    mqtt = ctx.config.mqtt
    source = ctx.config_path
    if mqtt.username is None and mqtt.cert_file is None:
        return problem(
            NAME,
            False,
            "the config names no broker account (mqtt.username or mqtt.cert_file): only a "
            "broker that lets anyone in will take this terminal",
            f"give the terminal its own account: on the hub, {PROVISION} --room "
            f"{ctx.config.room.id} --install-dir /etc/quorum, and copy the files it writes to "
            "/etc/quorum/ (its config becomes /etc/quorum/terminal/terminal.yaml)",
        )
    try:
        password = resolve_secret(mqtt.password, ctx.env)
        check_tls_files(mqtt.ca_file, mqtt.cert_file, mqtt.key_file)
    except CredentialError as exc:
        return problem(NAME, not ctx.offline, str(exc), _fix_for(mqtt.password, source))
    if mqtt.username is not None and password is None and mqtt.cert_file is None:
        return problem(
            NAME,
            not ctx.offline,
            f"mqtt.username is {mqtt.username!r} but the config has no mqtt.password",
            f"add mqtt.password: file:/etc/quorum/{ctx.config.terminal.id}.password to "
            f"{source}, with the password {PROVISION} gave in that file (owner root:quorum, "
            "mode 0640)",
        )
    exposed = _world_readable(mqtt.password, mqtt.key_file)
    if exposed:  # works, but any local account can read the terminal's broker secret
        files = " ".join(exposed)
        return CheckResult(
            NAME,
            Status.WARN,
            f"secret file(s) readable by every user: {', '.join(exposed)}",
            f"sudo chown root:quorum {files} && sudo chmod 0640 {files}",
        )
    what = [f"user {mqtt.username!r}"] if mqtt.username else []
    if password is not None:
        what.append(f"password from {mqtt.password}")
    if mqtt.cert_file:
        what.append(f"client certificate {mqtt.cert_file}")
    return passed(NAME, ", ".join(what) + ": found")


def _fix_for(reference: str | None, source: Path) -> str:
    scheme, _, target = (reference or "").partition(":")
    if scheme == "env":
        return (
            f"the service reads {target} from {_ENV_FILE} (EnvironmentFile of quorum-edge."
            f"service): put {target}=... there, and export it before running the doctor; or "
            f"keep the password in a file and refer to it as file:PATH in {source}"
        )
    if scheme == "file":
        return (
            f"copy the password file {PROVISION} wrote to {target} (owner root:quorum, mode "
            "0640), and run the doctor as the service user: sudo -u quorum "
            "/opt/quorum/venv/bin/python -m edge doctor ..."
        )
    return f"check the mqtt section of {source} (python -m edge validate {source})"


def _world_readable(password_ref: str | None, key_file: str | None) -> list[str]:
    paths = [key_file] if key_file else []
    if password_ref and password_ref.startswith("file:"):
        paths.append(password_ref.removeprefix("file:"))
    exposed = []
    for path in paths:
        try:
            if Path(path).stat().st_mode & stat.S_IROTH:
                exposed.append(path)
        except OSError:
            continue
    return exposed
