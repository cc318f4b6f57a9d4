"""What each activity looks like to each sensor: the numbers behind the sensor models.

None of these is measured in our rooms yet: they are assumptions from datasheets and published
experience, written down so calibration (issue 8, step 3) has something to replace. Where a
number comes from is said next to it. Rates are per person per minute; a process at rate r per
minute is simulated as a chance of r/60 in each second.
"""

from dataclasses import dataclass

# PIR output (HC-SR501 with the delay pot at minimum, AM312): high for about 2-3 s per motion,
# retriggered while motion goes on (datasheets: HC-SR501 ~2.5 s minimum, AM312 ~2 s).
PIR_PULSE_S = (2, 3)
# The speech-activity flag: on when an utterance starts, off 5 s after the last one ended
# (docs/speech-terminal.md, the terminal's endpointer).
SPEECH_TAIL_S = 5


@dataclass(frozen=True)
class SpeechStyle:
    utterance_s: float  # mean length of one utterance (exponential)
    pause_s: float  # mean pause between utterances (exponential)
    lull_chance: float  # after an utterance, the chance of a long silence instead...
    lull_s: tuple[int, int]  # ...this long (uniform)
    heard: float = 1.0  # the chance the VAD hears an utterance (soft voice, far from the mic)


@dataclass(frozen=True)
class Look:
    pir_per_min: float  # motions a ceiling PIR sees (one pulse each)
    desk_pir_per_min: float  # motions an under-desk PIR sees at arm's length
    drop_per_min: float  # the mmWave presence output loses this person...
    drop_s: tuple[int, int]  # ...for this long (uniform)
    speech: SpeechStyle | None  # how the room sounds when this is the liveliest activity
    co2_l_s: float  # CO2 breathed out
    radar_speed_mm_s: float  # LD2450 target speed
    ld2450_miss: float  # chance per radar frame that the LD2450 loses this person


# Conversation: turns of a few seconds with short pauses, now and then a silence (someone
# writes on the whiteboard, a slide is read). Assumed from meeting corpora's turn lengths
# (AMI: median utterance ~2-5 s) and rounded up because the flag bridges gaps under 5 s.
LIVELY = SpeechStyle(utterance_s=7.0, pause_s=1.5, lull_chance=0.02, lull_s=(20, 40))
TALKING = SpeechStyle(utterance_s=6.0, pause_s=3.0, lull_chance=0.05, lull_s=(15, 60))
# One side of a phone call is heard: listening is silence.
PHONE = SpeechStyle(utterance_s=5.0, pause_s=6.0, lull_chance=0.1, lull_s=(10, 30), heard=0.7)
# Cleaners say the odd word; the vacuum cleaner is noise the VAD rejects (Silero VAD is trained
# to reject stationary noise; assumed, like every figure here).
CLEANING = SpeechStyle(utterance_s=2.0, pause_s=45.0, lull_chance=0.0, lull_s=(0, 0), heard=0.8)

# CO2 generation, L/s per person: 0.0052 for an adult at office work (1.2-1.4 met), about
# 0.009 walking or cleaning (2-3 met). Persily & de Jonge (2017), Indoor Air 27(5), table 4.
_SEATED_CO2, _ACTIVE_CO2 = 0.0052, 0.009

LOOKS: dict[str, Look] = {
    # Continuous motion retriggers a PIR back to back; the radar never loses a walker.
    "walking": Look(20.0, 6.0, 0.0, (1, 1), None, _ACTIVE_CO2, 900.0, 0.02),
    "cleaning": Look(12.0, 6.0, 0.0, (1, 1), CLEANING, _ACTIVE_CO2, 500.0, 0.02),
    # Gestures, leaning, turning to the screen: a ceiling PIR pulses every 20 s or so.
    "lively": Look(3.0, 3.0, 0.02, (1, 2), LIVELY, _SEATED_CO2, 0.0, 0.03),
    "talking": Look(1.5, 2.0, 0.05, (1, 3), TALKING, _SEATED_CO2, 0.0, 0.03),
    "phone": Look(0.8, 1.5, 0.05, (1, 3), PHONE, _SEATED_CO2, 0.0, 0.03),
    # Hands on a keyboard are small, slow motion for a PIR 3 m away; an under-desk PIR sees them.
    "typing": Look(0.6, 4.0, 0.1, (1, 4), None, _SEATED_CO2, 0.0, 0.05),
    # Sitting still / reading: a posture shift every ~5-8 min that a ceiling PIR notices, so gaps
    # of 15 min and more happen (PIR-only rooms need 15-20 min time-outs for sedentary work in
    # field studies of office occupancy sensors). Breathing-level motion at 3-4 m is near an
    # LD2410's static threshold: its output drops for seconds now and then.
    "still": Look(0.2, 0.5, 0.4, (2, 8), None, _SEATED_CO2, 0.0, 0.08),
    "reading": Look(0.12, 0.5, 0.5, (2, 10), None, _SEATED_CO2, 0.0, 0.08),
}

# A passer-by in the corridor: the chance each sensor reacts, by what is between them and it.
# Glass and doors block a PIR's far infrared (it sees through an open door only; a glass door
# lets through reflections and warm draughts rarely); 24 GHz radar goes through wood, drywall
# and glass, attenuated. A third of passers-by talk; an open door lets them be heard.
CORRIDOR_PIR = {"open": 0.3, "glass": 0.03, "closed": 0.0}
CORRIDOR_PRESENCE = {"open": 0.3, "glass": 0.1, "closed": 0.05}
CORRIDOR_PRESENCE_S = (2, 5)
CORRIDOR_TALKS = 0.3
CORRIDOR_HEARD = {"open": 0.8, "glass": 0.15, "closed": 0.1}
# Someone who opens the door, looks in and goes: seen in the doorway.
PEEK_PIR, PEEK_PRESENCE, PEEK_SPEECH = 0.6, 0.5, 0.2

# False alarms per minute with nobody causing them. Ventilation: fans, curtains in a draught and
# vibrating ducts move enough for the radar (LD2410 notes warn about fans and curtains); the
# VAD rarely mistakes the hum for speech; warm air rarely triggers a PIR.
PRESENCE_FALSE = {"quiet": 0.003, "ventilation": 0.1}
PRESENCE_FALSE_S = {"quiet": (2, 5), "ventilation": (5, 30)}
SPEECH_FALSE = {"quiet": 0.002, "ventilation": 0.01}
PIR_FALSE = {"quiet": 0.001, "ventilation": 0.005}

# A desk radar at arm's length loses a seated person far less often than a room radar: the
# room figure times this factor.
DESK_RADAR_DROP_FACTOR = 0.2

# CO2 sensor (SCD40 class): a reading every 30 s, repeatability about +-10 ppm (datasheet).
CO2_EVERY_S = 30
CO2_NOISE_PPM = 10.0
# People counters are read every few seconds, as the agent will poll them.
COUNT_EVERY_S = 5
