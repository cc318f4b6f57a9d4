"""CO2 sensors for occupancy fusion (docs/sensors.md): a reading in ppm every half minute."""
