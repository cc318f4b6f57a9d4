"""Software updates for terminals: releases, staged rollouts, reports (docs/fleet.md)."""
