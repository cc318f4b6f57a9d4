"""People counters (issue 8): LD2450 radar, AMG8833 thermal array, door break beams.

Each one is a :class:`~edge.counting.base.PeopleCounter` with a simulator next to it. With
occupancy fusion the agent reads them about once a second (edge/counter_poller.py); real ones
are opened by :func:`edge.counting.hardware.open_counters`.
"""
