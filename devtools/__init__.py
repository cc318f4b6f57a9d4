"""Developer tooling: start a local broker, run the demo. Not used on terminals or the hub."""
