"""Configuration push (docs/fleet.md): the configuration each terminal should run, taken
from ``firmware_configs/`` by ``python -m hub configs sync``, pushed to the terminals over
MQTT, and what they answered."""
