"""Fitting the ``fusion:`` likelihoods and transition prior from labelled recordings (issue 8.3).

Each recording is replayed step by step through the engine's own evidence trackers
(edge/fusion/evidence.py), so a step is "active", "onset", "held" or "quiet" exactly as the
engine would see it (a level high at any moment of the step, runs bridged over drop-outs under
15 s, counters fresh for ``count_fresh``, the CO2 slope). Each step is labelled with the state in
force at its middle. Then, per evidence kind, with add-one (Laplace) smoothing and bounds:

- ``active``/``onset``/``held``: P(observation | state), the share of that state's steps;
- ``quiet``: P(quiet | quiet the step before, state), not the share of quiet steps. The filter
  multiplies one factor per step as if steps were independent, while quiet comes in runs (a still
  reader is missed for fifty steps in a row); a run of n quiet steps is about q^n likely under a
  first-order chain, so the continuation probability q is the honest per-step factor
  (docs/fusion.md, "Why silence is weak evidence").
- the transition prior: time spent in each state divided by the changes out of it (the
  exponential stay's estimate; runs cut by a recording's end still count their time).

Kept as they are: the door latch and its timings (its state depends on the filter's own verdict),
the onset/held durations, CO2 thresholds, the clamp and the hysteresis. A kind with too few steps
in either state, or whose fit points the wrong way, keeps its current pair (``Fit.kept`` says so).
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from contract.fusion_config import (
    FusionSection,
    KindLikelihoods,
    Likelihood,
    LikelihoodTable,
)
from edge.fusion.evidence import Co2Tracker, CountTracker, CountView, LevelTracker
from edge.fusion.recording import Recording

#: Fitted probabilities stay inside these: one step in a thousand is as rare as we claim to know.
LOW, HIGH = 0.001, 0.999
#: One step's evidence is bounded to the clamp's half-width (0.99: 4.6 nats), so it always takes
#: two steps to go from sure to sure of the opposite, as with the defaults: one radar step a
#: simulator never saw quiet in an occupied room must not release it on its own.
MAX_LLR = 4.6
#: Fewer labelled steps than this in a state (per kind): keep the current pair.
MIN_STEPS = 60
#: An observation seen fewer times than this in all (either state): keep its current pair.
MIN_SEEN = 5
#: Kinds fitted from data; door_sealed (the latch) is kept.
FITTED_KINDS = ("pir", "presence", "desk", "speech", "co2", "count", "door_count")
LEVEL_KINDS = frozenset({"pir", "presence", "desk", "speech"})
# The trackers report a category through sentinel log-likelihood ratios (see _probe_table).
_CATEGORY = {1: "active", 2: "onset", 3: "held", -1: "quiet"}


@dataclass
class Tally:
    """Steps per (observation, state), and quiet continuations per state, of one kind."""

    steps: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    seen: dict[tuple[str, bool], int] = field(default_factory=lambda: defaultdict(int))
    after_quiet: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})
    quiet_again: dict[bool, int] = field(default_factory=lambda: {True: 0, False: 0})


@dataclass(frozen=True)
class Fit:
    section: FusionSection
    tallies: dict[str, Tally]
    kept: dict[str, str]  # kind (or "occupied_stay"...) -> why it kept its current value


def _probe_table(base: KindLikelihoods) -> KindLikelihoods:
    """The kind's run rules with pairs whose ratios are 1, 2, 3 and -1 nats: a tracker built on
    it returns which pair it picked, so the replay never re-implements the engine's rules."""
    e = math.exp
    return base.model_copy(
        update={
            "active": Likelihood(occupied=1.0, empty=e(-1)),
            "quiet": Likelihood(occupied=e(-1), empty=1.0),
            "onset": None if base.onset is None else Likelihood(occupied=1.0, empty=e(-2)),
            "held": None if base.held is None else Likelihood(occupied=1.0, empty=e(-3)),
        }
    )


def tally(recordings: list[Recording], base: FusionSection) -> dict[str, Tally]:
    """Replay every recording and count its steps per kind, observation and label."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    probes = {kind: _probe_table(base.likelihoods.of(kind)) for kind in FITTED_KINDS}
    for rec in recordings:
        _replay(rec, base, probes, tallies)
    return dict(tallies)


def _replay(
    rec: Recording, base: FusionSection, probes: dict[str, KindLikelihoods], out: dict[str, Tally]
) -> None:
    levels: dict[str, tuple[str, LevelTracker]] = {}
    counts: dict[str, tuple[str, CountTracker]] = {}
    co2 = Co2Tracker(probes["co2"], base.co2)
    for sensor in rec.sensors:  # configured sensors are heard from the start, as in the engine
        if sensor.signal == "count":
            kind = "door_count" if sensor.accumulates else "count"
            counts[sensor.id] = (kind, CountTracker(probes[kind], base.count_fresh, False))
        elif sensor.signal != "door":
            levels[sensor.id] = (sensor.signal, LevelTracker(probes[sensor.signal]))
    previous: dict[str, str] = {}  # source -> category in the step before
    signals = iter(rec.signals)
    pending = next(signals, None)
    step, end = base.step, base.step
    while end <= rec.duration:
        while pending is not None and pending.at < end:
            s, pending = pending, next(signals, None)
            at = max(s.at, end - step)
            if s.kind in LEVEL_KINDS:
                name = "speech" if s.kind == "speech" else s.source
                if name not in levels:
                    levels[name] = (s.kind, LevelTracker(probes[s.kind]))
                levels[name][1].set(s.value >= 0.5, at)
            elif s.kind == "count":
                if s.source not in counts:
                    counts[s.source] = (
                        "count",
                        CountTracker(probes["count"], base.count_fresh, False),
                    )
                view = CountView(s.source, max(0, round(s.value)), 1.0, at, s.at_least)
                counts[s.source][1].set(view)
            elif s.kind == "co2":
                co2.add(at, s.value)
        label = rec.occupied_at(end - step / 2)
        observed = [(name, kind, t.close_step(end)) for name, (kind, t) in levels.items()]
        observed += [(name, kind, t.close_step(end)) for name, (kind, t) in counts.items()]
        observed.append(("co2", "co2", co2.close_step(end)))
        if label is not None:
            for name, kind, llr in observed:
                category = _CATEGORY.get(round(llr))  # 0: no evidence (stale counter, flat CO2)
                t = out[kind]
                t.steps[label] += 1
                if category is not None:
                    t.seen[(category, label)] += 1
                if previous.get(name) == "quiet":
                    t.after_quiet[label] += 1
                    t.quiet_again[label] += category == "quiet"
        previous = {name: _CATEGORY.get(round(llr), "none") for name, _, llr in observed}
        end += step


def _share(hits: int, total: int) -> float:
    return min(HIGH, max(LOW, (hits + 1) / (total + 2)))  # Laplace: never 0 or 1


def _bounded(occupied: float, empty: float) -> Likelihood:
    """A pair whose ratio is at most MAX_LLR either way: the rarer side is raised."""
    floor = math.exp(-MAX_LLR)
    return Likelihood(occupied=max(occupied, empty * floor), empty=max(empty, occupied * floor))


def fit_kind(current: KindLikelihoods, t: Tally) -> tuple[KindLikelihoods, str | None]:
    """The fitted pairs of one kind, or the current ones and why."""
    if min(t.steps.values()) < MIN_STEPS:
        return current, f"too few steps ({t.steps[True]} occupied, {t.steps[False]} empty)"

    def pair(category: str) -> Likelihood | None:
        hits = [t.seen[(category, s)] for s in (True, False)]
        if sum(hits) < MIN_SEEN:  # (almost) never seen: the data cannot say what it means
            return None
        occ, emp = (_share(h, t.steps[s]) for h, s in zip(hits, (True, False), strict=True))
        return _bounded(occ, emp)

    update: dict[str, Likelihood] = {}
    for name in ("active", "onset", "held"):
        fitted_pair = pair(name) if name == "active" or getattr(current, name) else None
        if fitted_pair is not None:
            update[name] = fitted_pair
    neutral = current.quiet == Likelihood(occupied=1.0, empty=1.0)  # speech silence stays 0
    # Runs of quiet in a state must be seen often enough: a radar is quiet in an occupied room
    # only in drop-outs, too rare in a short recording to say how long they last.
    if not neutral and min(t.after_quiet.values()) >= MIN_STEPS:
        update["quiet"] = _bounded(
            _share(t.quiet_again[True], t.after_quiet[True]),
            _share(t.quiet_again[False], t.after_quiet[False]),
        )
    wrong = [n for n, p in update.items() if (p.occupied < p.empty) != (n == "quiet")]
    wrong += [n for n, p in update.items() if p.occupied == p.empty]
    if wrong:
        return current, f"the data points the wrong way for {', '.join(sorted(set(wrong)))}"
    missing = [n for n in ("active", "onset", "held") if getattr(current, n) and n not in update]
    missing += [] if neutral or "quiet" in update else ["quiet"]
    fitted = current.model_copy(update=update)
    return fitted, f"{', '.join(missing)} not fitted: too little data" if missing else None


def _stay(recordings: list[Recording], base: FusionSection) -> dict[bool, float | None]:
    time = {True: 0.0, False: 0.0}
    leaves = {True: 0, False: 0}
    for rec in recordings:
        for i, (at, occupied) in enumerate(rec.labels):
            until = rec.labels[i + 1][0] if i + 1 < len(rec.labels) else rec.duration
            time[occupied] += max(0.0, min(until, rec.duration) - at)
            leaves[occupied] += i + 1 < len(rec.labels)
    return {
        s: min(8 * 3600.0, max(base.step, time[s] / leaves[s])) if leaves[s] else None
        for s in (True, False)
    }


def fit(recordings: list[Recording], base: FusionSection | None = None) -> Fit:
    """Fitted ``fusion:`` section: ``base`` (defaults if None) with fitted likelihoods and stays."""
    base = base or FusionSection()
    tallies = tally(recordings, base)
    kept: dict[str, str] = {"door_sealed": "the door latch is not fitted"}
    table = base.likelihoods.model_dump()
    for kind in FITTED_KINDS:
        if kind not in tallies:
            kept[kind] = "no sensor of this kind in the recordings"
            continue
        fitted, why = fit_kind(base.likelihoods.of(kind), tallies[kind])
        table[kind] = fitted.model_dump()
        if why:
            kept[kind] = why
    stays = _stay(recordings, base)
    update: dict[str, object] = {"likelihoods": LikelihoodTable.model_validate(table)}
    for name, state in (("occupied_stay", True), ("empty_stay", False)):
        if stays[state] is None:
            kept[name] = "no change out of this state in the labels"
        else:
            update[name] = stays[state]
    section = FusionSection.model_validate({**base.model_dump(), **update})
    return Fit(section=section, tallies=tallies, kept=kept)
