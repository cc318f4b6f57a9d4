"""Booking API tests from tests/hub/api/test_api_bookings.py, run again on PostgreSQL.

Chosen for the queries they make: conflicts and series (aware times, row locks), the
privacy of day views (joins, EXISTS on attendees), import (JSON lists) and the feed.
"""

import pytest
from test_api_bookings import (
    test_a_conflict_is_a_409_without_the_other_title,
    test_cancelling_one_occurrence_of_a_series,
    test_import_a_file_then_again_by_url,
    test_only_the_organizer_facilities_and_admins_change_or_cancel,
    test_other_members_see_busy_slots_only,
    test_the_feed_serves_ics_until_revoked,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "test_a_conflict_is_a_409_without_the_other_title",
    "test_cancelling_one_occurrence_of_a_series",
    "test_import_a_file_then_again_by_url",
    "test_only_the_organizer_facilities_and_admins_change_or_cancel",
    "test_other_members_see_busy_slots_only",
    "test_the_feed_serves_ics_until_revoked",
]
