"""Sandbox tests: the API tests' hub builders (tests/hub/api/api_world.py) and this folder's
own (sandbox_world.py) on sys.path, as --import-mode=importlib leaves test folders off it."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))
sys.path.insert(0, str(HERE))
