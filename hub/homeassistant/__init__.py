"""Home Assistant MQTT discovery, published by the hub (docs/homeassistant.md).

- :mod:`hub.homeassistant.topics` names the topics;
- :mod:`hub.homeassistant.rooms` reads rooms and their state documents from the database;
- :mod:`hub.homeassistant.discovery` builds the discovery configs (pure);
- :mod:`hub.homeassistant.sync` decides what to publish and what to remove;
- :mod:`hub.homeassistant.link` is the bridge's MQTT connection with its Last Will;
- :mod:`hub.homeassistant.signals` and :mod:`hub.homeassistant.service`: the thread that
  publishes, on one hub worker at a time.
"""
