"""The fault-injection suite runs real processes on loopback: Mosquitto, the hub, load terminals."""

import sys
from pathlib import Path

# --import-mode=importlib keeps test folders off sys.path; put this one back for faultkit.py.
sys.path.insert(0, str(Path(__file__).resolve().parent))
