"""Small building blocks shared by the terminal and the hub (clock, MQTT connection)."""
