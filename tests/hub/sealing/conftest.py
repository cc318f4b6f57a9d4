"""Encryption-at-rest tests: their message builders (sealing_world.py) on sys.path."""

import sys
from pathlib import Path

# --import-mode=importlib keeps test folders off sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
