"""Sequence numbers as inclusive ``(first, last)`` ranges, the shape the contract speaks.

Replay commands and spool-gap reports name ranges, and a range may be wide (a hub that
lost a whole boot asks for ``1..100000``), so everything here works on intervals and on
the seqs actually held, never on every integer in a range.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from itertools import groupby

SeqSpan = tuple[int, int]  # first, last; both included


def coalesce(seqs: Iterable[int]) -> list[SeqSpan]:
    """``[1, 2, 3, 7, 9, 10]`` -> ``[(1, 3), (7, 7), (9, 10)]`` (duplicates are fine)."""
    ordered = sorted(set(seqs))
    # Consecutive numbers share ``seq - position``: the classic run-grouping idiom.
    runs = groupby(enumerate(ordered), key=lambda pair: pair[1] - pair[0])
    spans = []
    for _, run in runs:
        members = [seq for _, seq in run]
        spans.append((members[0], members[-1]))
    return spans


def merge(spans: Iterable[SeqSpan]) -> list[SeqSpan]:
    """Sorted, with overlapping and touching spans joined."""
    merged: list[SeqSpan] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def clip(spans: Iterable[SeqSpan], low: int, high: int) -> list[SeqSpan]:
    """The parts of ``spans`` inside ``low..high``."""
    clipped = [(max(first, low), min(last, high)) for first, last in spans]
    return [(first, last) for first, last in clipped if first <= last]


def subtract(spans: Iterable[SeqSpan], held: Iterable[int]) -> list[SeqSpan]:
    """The parts of ``spans`` not in ``held``."""
    present = sorted(set(held))
    result: list[SeqSpan] = []
    for first, last in merge(spans):
        start = first
        for seq in _within(present, first, last):
            if seq > start:
                result.append((start, seq - 1))
            start = seq + 1
        if start <= last:
            result.append((start, last))
    return result


def chunks(spans: list[SeqSpan], size: int) -> Iterator[list[SeqSpan]]:
    """At most ``size`` spans at a time (a spool_gap message carries a bounded list)."""
    for start in range(0, len(spans), size):
        yield spans[start : start + size]


def _within(ordered: list[int], first: int, last: int) -> Iterator[int]:
    yield from ordered[bisect_left(ordered, first) : bisect_right(ordered, last)]
