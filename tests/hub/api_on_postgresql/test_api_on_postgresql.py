"""API tests from tests/hub/api, collected again to run on PostgreSQL (see conftest.py).

Chosen to cover every kind of query the API makes: live state joined to the organisation,
occupancy history and utilization (time zones, aware datetimes), ingest counts and dead
letters (binary payloads, aggregates), users and tokens (JSON aliases, booleans, revocation).
"""

import pytest
from test_api_ingest import (
    test_dead_letters_show_text_or_base64_newest_first_paginated,
    test_stats_come_from_the_database_when_ingest_is_off,
)
from test_api_occupancy import (
    monday,
    test_desk_history,
    test_history_defaults_to_the_last_24_hours,
    test_history_has_segments_and_the_raw_changes,
    test_utilization_by_room_is_exact,
    test_utilization_filters,
    test_utilization_only_covers_what_the_caller_may_see,
)
from test_api_spaces import (
    test_a_room_says_everything_a_floor_plan_needs,
    test_desks_have_live_state_and_filters,
    test_devices_report_liveness_and_versions,
    test_holidays_are_listed_added_and_removed,
    test_live_state_comes_from_the_space_state_table,
    test_organisation_lists_are_scoped,
    test_rooms_filter_by_floor_building_kind_and_occupancy,
    test_state_of_an_offline_terminal_is_flagged_stale,
)
from test_api_users_tokens import (
    test_admin_creates_a_user_with_aliases_and_gets_a_token_once,
    test_deactivating_a_user_stops_their_tokens_at_once_and_for_good,
    test_departments_admin_creates_facilities_sees_own,
    test_expired_tokens_stop_working_when_the_clock_passes_them,
    test_patch_changes_only_what_is_sent,
    test_revoking_a_token_works_at_once,
    test_the_last_admin_cannot_lock_everyone_out,
    test_tokens_are_stored_only_as_sha256,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "monday",
    "test_a_room_says_everything_a_floor_plan_needs",
    "test_admin_creates_a_user_with_aliases_and_gets_a_token_once",
    "test_deactivating_a_user_stops_their_tokens_at_once_and_for_good",
    "test_dead_letters_show_text_or_base64_newest_first_paginated",
    "test_departments_admin_creates_facilities_sees_own",
    "test_desk_history",
    "test_desks_have_live_state_and_filters",
    "test_devices_report_liveness_and_versions",
    "test_expired_tokens_stop_working_when_the_clock_passes_them",
    "test_history_defaults_to_the_last_24_hours",
    "test_history_has_segments_and_the_raw_changes",
    "test_holidays_are_listed_added_and_removed",
    "test_live_state_comes_from_the_space_state_table",
    "test_organisation_lists_are_scoped",
    "test_patch_changes_only_what_is_sent",
    "test_revoking_a_token_works_at_once",
    "test_rooms_filter_by_floor_building_kind_and_occupancy",
    "test_state_of_an_offline_terminal_is_flagged_stale",
    "test_stats_come_from_the_database_when_ingest_is_off",
    "test_the_last_admin_cannot_lock_everyone_out",
    "test_tokens_are_stored_only_as_sha256",
    "test_utilization_by_room_is_exact",
    "test_utilization_filters",
    "test_utilization_only_covers_what_the_caller_may_see",
]
