"""Shipped ground-truth sessions (YAML), read with importlib.resources."""
