import sys
from pathlib import Path

# --import-mode=importlib keeps test folders off sys.path; checkin_builders.py is shared.
sys.path.insert(0, str(Path(__file__).resolve().parent))
