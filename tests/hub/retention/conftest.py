"""Retention tests: this folder's builders (retention_world.py) and the API tests'
(tests/hub/api/api_world.py) on sys.path, as --import-mode=importlib leaves them off it."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))
sys.path.insert(0, str(HERE))
