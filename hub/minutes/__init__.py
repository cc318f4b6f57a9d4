"""Meetings, their minutes and action items on the hub (docs/minutes-hub.md).

``store`` takes in the terminals' ``minutes`` messages, ``review`` edits and confirms them,
``delivery`` sends action items to their owners, ``reminders`` reminds them, ``ical``
exports them, ``deletion`` forgets a meeting, ``runner`` does the periodic part.
"""
