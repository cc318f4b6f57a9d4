"""Hardening tests: the API tests' hub builders (tests/hub/api/api_world.py) on sys.path, as
--import-mode=importlib leaves test folders off it."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
