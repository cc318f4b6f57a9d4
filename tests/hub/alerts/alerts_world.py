"""Helpers of the alert tests (a name unique in the suite, imported by path)."""

from typing import Any

from hub.live import LiveFeed


class RecordingFeed(LiveFeed):
    """The live feed, keeping every event published on it."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict[str, Any]] = []

    def publish(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        super().publish(event)
