"""Metrics tests reuse the Home Assistant tests' hub-on-a-broker helpers (hub_on_broker.py);
--import-mode=importlib keeps test folders off sys.path, so put that folder on it."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "homeassistant"))
