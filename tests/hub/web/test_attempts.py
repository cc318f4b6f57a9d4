"""The limit on wrong passwords, per account and per address, over a sliding window."""

from datetime import UTC, datetime, timedelta

from hub.auth.attempts import FailedAttempts

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_account_is_locked_after_five_failures_until_the_oldest_leaves_the_window() -> None:
    attempts = FailedAttempts()
    for i in range(5):
        assert attempts.retry_after("ana", "10.0.0.1", T0 + timedelta(seconds=i)) is None
        attempts.failed("ana", "10.0.0.1", T0 + timedelta(seconds=i))
    now = T0 + timedelta(seconds=10)
    assert attempts.retry_after("ana", "10.0.0.2", now) == timedelta(minutes=5) - timedelta(
        seconds=10
    )
    assert attempts.retry_after("bob", "10.0.0.1", now) is None  # other accounts still may
    assert attempts.retry_after("ana", "10.0.0.1", T0 + timedelta(minutes=5, seconds=1)) is None


def test_one_address_guessing_many_accounts_is_limited_too() -> None:
    attempts = FailedAttempts(max_failures_per_address=3)
    for i, account in enumerate(["a", "b", "c"]):
        attempts.failed(account, "10.0.0.9", T0 + timedelta(seconds=i))
    assert attempts.retry_after("d", "10.0.0.9", T0 + timedelta(seconds=5)) is not None
    assert attempts.retry_after("d", "10.0.0.8", T0 + timedelta(seconds=5)) is None


def test_a_success_clears_the_accounts_failures() -> None:
    attempts = FailedAttempts()
    for i in range(4):
        attempts.failed("ana", "10.0.0.1", T0 + timedelta(seconds=i))
    attempts.succeeded("ana")
    attempts.failed("ana", "10.0.0.1", T0 + timedelta(seconds=5))
    assert attempts.retry_after("ana", "10.0.0.1", T0 + timedelta(seconds=6)) is None
