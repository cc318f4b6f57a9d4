"""The message contract shared by room terminals and the hub.

Everything that crosses MQTT is defined here: topic names (built only by the
functions in :mod:`contract.topics`), the JSON envelope and the payload models
(:mod:`contract.envelope`, :mod:`contract.messages`), and the terminal
configuration file format (:mod:`contract.terminal_config`) that operators
edit and both sides read. docs/contract.md documents it for humans.
"""

CONTRACT_VERSION = 1
