"""Minutes tests build on the API tests' world (a running hub, its users and bookings)."""

import sys
from pathlib import Path

# --import-mode=importlib keeps test folders off sys.path: put the API tests' builders on it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
