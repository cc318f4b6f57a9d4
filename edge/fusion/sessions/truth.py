"""The ground truth of a session, second by second: who is in the room doing what, the door,
the ventilation, jackets on chairs, and the passers-by outside.

Built from a session's timeline without any randomness (the sensors' randomness is in
:mod:`.levels` and :mod:`.counters`), so the truth is the same for every seed. Each minute is
judged at its middle (``60 k + 30`` s): steps are written on whole minutes, and 30 s is long
enough for any sensor to have said something about what happened at the minute's start.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from edge.fusion.sessions.schema import Session, Step

# Entering: from the door to a seat and sitting down; leaving: standing up and out. A 4-5 m room
# at a slow walk plus the fuss of a chair: about ten seconds (an assumption).
WALK_S = 10
# A closed door someone walks through is open from two seconds before the passage (the handle,
# the swing) until three seconds after (it falls shut or is pushed to). Assumed.
DOOR_BEFORE_S, DOOR_AFTER_S = 2, 3
PEEK_S = 4  # a look into the room: the door open this long, nobody comes in
JUDGE_OFFSET_S = 30


class TruthError(ValueError):
    """A session that cannot happen; ``loc`` says where, e.g. ``("timeline", 2, "leave")``."""

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass
class Person:
    start: int  # second they came in
    end: int  # second they were gone (the session's end if they stayed)
    walks_out: bool  # False: still inside when the session ends
    desk: str | None = None
    activities: list[tuple[int, str]] = field(default_factory=list)  # (from second, activity)

    def activity_at(self, t: int) -> str | None:
        if not self.start <= t < self.end:
            return None
        if t < self.start + WALK_S or (self.walks_out and t >= self.end - WALK_S):
            return "walking"
        current = self.activities[0][1]
        for since, activity in self.activities:
            if since > t:
                break
            current = activity
        return current


@dataclass(frozen=True)
class MinuteTruth:
    minute: int
    at: float  # the moment the minute is judged at (its middle)
    count: int

    @property
    def occupied(self) -> bool:
        return self.count > 0


@dataclass
class Truth:
    duration_s: int
    people: list[Person]
    door_closed: list[bool]  # per second
    ventilation: list[bool]  # per second
    jackets: dict[str, list[bool]]  # desk id -> per second
    corridor: list[tuple[int, int, int]]  # (from second, over seconds, passers-by)
    peeks: list[int]  # seconds someone opened the door, looked in and went
    passages: list[tuple[int, Literal["in", "out"]]]  # through the doorway, in time order

    def count_at(self, t: float) -> int:
        return sum(1 for p in self.people if p.start <= t < p.end)

    def minutes(self) -> list[MinuteTruth]:
        return [
            MinuteTruth(m, m * 60.0 + JUDGE_OFFSET_S, self.count_at(m * 60 + JUDGE_OFFSET_S))
            for m in range(self.duration_s // 60)
        ]


def build_truth(session: Session) -> Truth:
    duration = int(session.duration)
    if duration < 60:
        raise TruthError("a session lasts at least one minute (1m)", "duration")
    for index, booking in enumerate(session.bookings):
        if booking.end > duration:
            message = f"the booking ends after the session ({duration} s)"
            raise TruthError(message, "bookings", index, "end")
    desks = {d.id for d in session.room.desks}
    inside: list[Person] = []
    people: list[Person] = []
    passages: list[tuple[int, Literal["in", "out"]]] = []
    door_steps: list[tuple[int, bool]] = [(0, session.room.door == "closed")]
    ventilation_steps: list[tuple[int, bool]] = [(0, False)]
    jacket_steps: dict[str, list[tuple[int, bool]]] = {d: [(0, False)] for d in desks}
    corridor: list[tuple[int, int, int]] = []
    peeks: list[int] = []
    previous = 0
    for index, step in enumerate(session.timeline):
        t = int(step.at)
        if t < previous:
            raise TruthError("steps go in time order", "timeline", index, "at")
        if t >= duration:
            raise TruthError(
                f"at is not before the session's end ({duration} s)", "timeline", index, "at"
            )
        previous = t
        if step.desk is not None and step.desk not in desks:
            known = ", ".join(sorted(desks)) or "none"
            raise TruthError(
                f"desk {step.desk!r} is not in room.desks ({known})", "timeline", index, "desk"
            )
        for person in _leaving(step, inside, index):
            person.end, person.walks_out = t, True
            inside.remove(person)
            passages.append((t, "out"))
        newcomers = _entering(step, inside, t, duration, index)
        inside += newcomers
        people += newcomers
        passages += [(t, "in")] * len(newcomers)
        _assign_activity(step, inside, newcomers, t, index)
        if step.door is not None:
            door_steps.append((t, step.door == "close"))
        if step.ventilation is not None:
            ventilation_steps.append((t, step.ventilation == "on"))
        if step.jacket is not None and step.desk is not None:
            jacket_steps[step.desk].append((t, step.jacket == "on"))
        if step.corridor is not None:
            corridor.append((t, int(step.over if step.over is not None else 60), step.corridor))
        if step.peek is not None:
            peeks += [t] * step.peek
    door = _door(door_steps, passages, peeks, duration)
    jackets = {d: _levels(s, duration) for d, s in jacket_steps.items()}
    return Truth(
        duration,
        people,
        door,
        _levels(ventilation_steps, duration),
        jackets,
        corridor,
        peeks,
        passages,
    )


def _leaving(step: Step, inside: list[Person], index: int) -> list[Person]:
    if step.leave is None:
        return []
    if step.leave == "all":
        return list(inside)
    if step.desk is not None:
        at_desk = [p for p in inside if p.desk == step.desk]
        if not at_desk:
            raise TruthError(f"nobody sits at desk {step.desk!r}", "timeline", index, "desk")
        return at_desk
    if step.leave > len(inside):
        raise TruthError(
            f"{step.leave} cannot leave: {len(inside)} in the room", "timeline", index, "leave"
        )
    return inside[len(inside) - step.leave :]  # the last to come go first


def _entering(step: Step, inside: list[Person], t: int, end: int, index: int) -> list[Person]:
    if step.enter is None:
        return []
    desk = step.desk if step.leave is None else None
    if desk is not None and any(p.desk == desk for p in inside):
        raise TruthError(f"desk {desk!r} is taken", "timeline", index, "desk")
    return [Person(t, end, False, desk) for _ in range(step.enter)]


def _assign_activity(
    step: Step, inside: list[Person], newcomers: list[Person], t: int, index: int
) -> None:
    if isinstance(step.activity, dict):
        wanted = sum(step.activity.values())
        if wanted != len(inside):
            raise TruthError(
                f"the activities add up to {wanted} people; {len(inside)} are in the room",
                "timeline",
                index,
                "activity",
            )
        names = [name for name, n in step.activity.items() for _ in range(n)]
        for person, name in zip(inside, names, strict=True):
            person.activities.append((t, name))
        return
    if step.activity is not None and not newcomers:
        if not inside:
            raise TruthError("nobody is in the room to do that", "timeline", index, "activity")
        for person in inside:
            person.activities.append((t, step.activity))
        return
    # Newcomers do what they are told, else what most people in the room already do.
    present = Counter(p.activities[-1][1] for p in inside if p not in newcomers and p.activities)
    default = present.most_common(1)[0][0] if present else "still"
    for person in newcomers:
        person.activities.append((t, step.activity or default))


def _levels(steps: list[tuple[int, bool]], duration: int) -> list[bool]:
    out = [False] * duration
    for (since, level), (until, _) in zip(steps, [*steps[1:], (duration, False)], strict=True):
        out[since:until] = [level] * (until - since)
    return out


def _door(
    steps: list[tuple[int, bool]],
    passages: list[tuple[int, Literal["in", "out"]]],
    peeks: list[int],
    duration: int,
) -> list[bool]:
    scripted = _levels(steps, duration)
    door = list(scripted)
    swings = [(t, DOOR_BEFORE_S, DOOR_AFTER_S) for t, _ in passages]
    swings += [(t, 0, PEEK_S) for t in peeks]
    for t, before, after in swings:
        if scripted[max(0, t - 1)]:  # closed just before: someone has to open it
            for s in range(max(0, t - before), min(duration, t + after)):
                door[s] = False
    return door
