"""Resident memory of this process for benchmarks (Linux /proc; ``ru_maxrss`` elsewhere).

The peak can be reset between phases (``reset_peak_rss``) so each phase reports its own;
``max_rss_mb`` still gives the peak of the whole run.
"""

import resource
from pathlib import Path


def _status_kb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return None if kb is None else round(kb / 1024, 1)


_peak_before_resets_mb = 0.0


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux: writing 5 to /proc/self/clear_refs).

    This resets ``ru_maxrss`` too, so the peak so far is kept first (:func:`max_rss_mb`)."""
    global _peak_before_resets_mb
    _peak_before_resets_mb = max(_peak_before_resets_mb, peak_rss_since_reset_mb() or 0.0)
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_since_reset_mb() -> float | None:
    kb = _status_kb("VmHWM")
    return None if kb is None else round(kb / 1024, 1)


def max_rss_mb() -> float:
    """The process's peak resident memory, across the VmHWM resets."""
    since_reset = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return round(max(since_reset, peak_rss_since_reset_mb() or 0.0, _peak_before_resets_mb), 1)
