"""People counters (issue 8): LD2450 radar, AMG8833 thermal array, door break beams.

Each one is a :class:`~edge.counting.base.PeopleCounter` with a simulator next to it. They are
not yet read by the agent: occupancy fusion (issue 8, step 2) will poll them.
"""
