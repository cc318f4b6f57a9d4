"""Bookings of rooms and desks: series expansion, conflicts, the service API, iCalendar.

One idea per module: :mod:`series` (RRULE -> occurrences), :mod:`conflicts`
(overlaps), :mod:`service` (create/update/cancel, used by the REST API, voice and
the check-in engine), :mod:`ical_import` and :mod:`ics_feed` (iCalendar in and out),
:mod:`access` (who may see or change which booking).
"""
