"""The closed-door latch: "the door closed after someone entered, and no one has left".

People cannot leave a room through a closed door without opening it. So once every door of the
room is closed and someone is seen inside afterwards, the room is *sealed*: it holds someone until
a door opens, however still they sit. The latch is a state, not a decaying memory: it adds the
same evidence in every step for as long as it holds (``likelihoods.door_sealed``), so a reader
who has not moved for an hour is kept exactly as firmly as in the first minute.

- "Seen inside" is activity (a PIR or presence level, a desk, speech, a count above 0) at least
  ``door_settle`` seconds after the close: the PIR level of someone who just left and pulled the
  door shut behind them is still high for a few seconds, and must not seal an empty room.
- The seal also needs the room to have been judged occupied without a break for ``confirm``
  seconds (90 by default; the time before the close counts): one or two blips (a PIR pulse
  from a warm draught, the radar glimpsing the corridor) turn a room with a quiet radar
  occupied for about a minute, and must not lock it.
- A door closed with nobody seen afterwards carries no evidence: a closed door hides a full room
  as well as an empty one.
- Opening any door breaks the seal (someone may have left); it seals again when the doors close
  and someone is seen inside again.
- A break followed by nobody seen inside from ``settle`` to twice ``settle`` after the opening
  (the PIR of the people walking out has died down by then) is a likely departure
  (:meth:`DoorLatch.take_departure`, reported once): the estimator then gives the room a real
  chance of having emptied (``door_open_leave``), so that a room whose only other sensor is a
  PIR is released within a minute of everyone leaving, not after the PIR's five. Home
  Assistant users know this as "wasp in a box".
"""


class DoorLatch:
    def __init__(self, settle: float, confirm: float) -> None:
        self.settle = settle
        self.confirm = confirm
        self._occupied_since: float | None = None  # the room's current occupied spell
        self._closed: dict[str, bool] = {}  # door sensor id -> closed
        self.closed_since: float | None = None  # when the last open door closed
        self._seen = False  # activity since closed_since + settle
        self.sealed_at: float | None = None
        self._broke_at: float | None = None  # a door opened on the sealed room, not yet judged

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None

    def door(self, source: str, closed: bool, at: float) -> None:
        was_closed = self._all_closed()
        self._closed[source] = closed
        if not self._all_closed():
            self.closed_since = None
            self._seen = False
            if self.sealed_at is not None:
                self._broke_at = at
            self.sealed_at = None  # opened: whoever was inside may have left
        elif not was_closed:
            self.closed_since = at

    def take_departure(self, now: float) -> bool:
        """True once when a door opened on the sealed room and nobody has been seen inside from
        ``settle`` to twice ``settle`` after it opened."""
        if self._broke_at is None or now < self._broke_at + 2 * self.settle:
            return False
        self._broke_at = None
        return True

    def seen(self, at: float) -> None:
        """Activity inside at ``at``; it counts if the doors closed at least ``settle`` before.
        After a break it also shows someone stayed (once the leavers' own activity died down)."""
        if self._broke_at is not None and at >= self._broke_at + self.settle:
            self._broke_at = None
        if self.closed_since is not None and at >= self.closed_since + self.settle:
            self._seen = True

    def end_step(self, at: float, occupied: bool) -> None:
        """At the end of a step: seal if someone was seen since the close and the room has been
        judged occupied for ``confirm`` seconds."""
        if not occupied:
            self._occupied_since = None
            return
        if self._occupied_since is None:
            self._occupied_since = at
        if self._seen and self.sealed_at is None and at - self._occupied_since >= self.confirm:
            self.sealed_at = at

    def _all_closed(self) -> bool:
        return bool(self._closed) and all(self._closed.values())
