"""The one rule for people-derived figures: shown only for groups of at least ``MIN_GROUP``.

A figure is *people-derived* when it depends on who was at a meeting or how many people were
there: head counts (sensor peaks, invitation sizes) and anything computed from them (median,
80th percentile, peak people, right-sizing, where meetings would go in the sandbox), and any
figure per person, organizer or department of people (docs/utilization.md, section 12, and
docs/security.md). Every output that publishes one — the analytics API, reports and their
CSV, the sandbox, the time series — asks :func:`shown` here, so the threshold is set once.

A group is counted in **meetings**: sensors count people without knowing who they are, so
the smallest group that can be counted is the meetings a figure is computed over.
"""

#: The smallest group a people-derived figure may describe (GUIDE section 9).
MIN_GROUP = 5


def shown(group_size: int, min_group: int = MIN_GROUP) -> bool:
    """Whether a people-derived figure over ``group_size`` meetings may be published."""
    return group_size >= min_group


def withheld(group_size: int, what: str, min_group: int = MIN_GROUP) -> str | None:
    """None when the figure may be shown; otherwise why it is not, for a ``withheld`` field.

    ``what`` names the group, e.g. "meeting(s) with a head count"."""
    if shown(group_size, min_group):
        return None
    return f"{group_size} {what}; figures about people are shown only for at least {min_group}"
