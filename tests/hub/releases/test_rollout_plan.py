"""The rollout state machine (hub/releases/plan.py): pure, on a hand-moved clock."""

from datetime import UTC, datetime, timedelta

from hub.releases.plan import RolloutView, Target, plan_round

T0 = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


def view(state: str = "canary", **kwargs: object) -> RolloutView:
    fields: dict = {
        "state": state,
        "batch_size": 2,
        "auto_promote": True,
        "reply_timeout_s": 1800.0,
        "failures_accepted": 0,
    }
    fields.update(kwargs)
    return RolloutView(**fields)


def fleet(*states: str, canaries: int = 1, offline: tuple[int, ...] = ()) -> list[Target]:
    return [
        Target(
            device_id=f"term-{i}",
            canary=i < canaries,
            state=state,
            online=i not in offline,
            sent_at=T0 if state in ("sent", "accepted", "installed") else None,
            send_count=1 if state in ("sent", "accepted", "installed") else 0,
        )
        for i, state in enumerate(states)
    ]


def test_a_canary_rollout_sends_to_the_canaries_only() -> None:
    plan = plan_round(view(), fleet("pending", "pending", "pending", canaries=2), T0)
    assert plan.send == ["term-0", "term-1"]
    assert plan.state is None


def test_healthy_canaries_promote_it_and_the_first_batch_goes_out() -> None:
    targets = fleet("healthy", "pending", "pending", "pending")
    plan = plan_round(view(), targets, T0)
    assert plan.state == "rolling"
    assert plan.send == ["term-1", "term-2"]  # batch size 2


def test_a_manual_rollout_waits_for_promote_after_a_healthy_canary() -> None:
    plan = plan_round(view(auto_promote=False), fleet("healthy", "pending"), T0)
    assert plan.state is None and plan.send == []


def test_no_more_than_a_batch_is_in_flight() -> None:
    targets = fleet("healthy", "installed", "pending", "pending", "pending")
    plan = plan_round(view("rolling"), targets, T0)
    assert plan.send == ["term-2"]  # one in flight already, batch size 2


def test_a_rollback_halts_the_rollout_and_names_the_terminal() -> None:
    targets = fleet("rolled_back", "pending", "pending")
    targets[0] = Target("term-0", True, "rolled_back", True, T0, 1, reason="service_exited")
    plan = plan_round(view(), targets, T0)
    assert plan.state == "halted"
    assert plan.reason == "term-0 rolled back (service_exited)"
    assert plan.send == []


def test_a_failure_while_rolling_halts_it_too() -> None:
    plan = plan_round(view("rolling"), fleet("healthy", "failed", "pending"), T0)
    assert plan.state == "halted" and plan.send == []


def test_failures_promoted_past_do_not_halt_again_but_a_new_one_does() -> None:
    targets = fleet("healthy", "rolled_back", "pending", "pending")
    plan = plan_round(view("rolling", failures_accepted=1), targets, T0)
    assert plan.state is None and plan.send == ["term-2", "term-3"]
    targets = fleet("healthy", "rolled_back", "timed_out", "pending")
    assert plan_round(view("rolling", failures_accepted=1), targets, T0).state == "halted"


def test_no_outcome_within_the_reply_timeout_times_out_and_halts() -> None:
    targets = fleet("accepted", "pending")
    early = plan_round(view(), targets, T0 + timedelta(seconds=1799))
    assert early.time_out == [] and early.state is None
    late = plan_round(view(), targets, T0 + timedelta(seconds=1800))
    assert late.time_out == ["term-0"]
    assert late.state == "halted" and late.reason == "term-0 timed out"


def test_a_command_never_accepted_is_sent_again_every_resend_interval() -> None:
    targets = fleet("sent", "pending")
    assert plan_round(view(), targets, T0 + timedelta(minutes=4)).resend == []
    assert plan_round(view(), targets, T0 + timedelta(minutes=5)).resend == ["term-0"]
    again = [Target("term-0", True, "sent", True, T0, send_count=2), targets[1]]
    assert plan_round(view(), again, T0 + timedelta(minutes=6)).resend == []
    assert plan_round(view(), again, T0 + timedelta(minutes=10)).resend == ["term-0"]


def test_offline_terminals_wait_for_their_turn() -> None:
    targets = fleet("healthy", "pending", "pending", offline=(1,))
    plan = plan_round(view("rolling"), targets, T0)
    assert plan.send == ["term-2"]
    assert plan.state is None  # term-1 still to do: not completed


def test_completed_once_nothing_is_left() -> None:
    plan = plan_round(view("rolling"), fleet("healthy", "skipped", "healthy"), T0)
    assert plan.state == "completed"


def test_a_halted_rollout_still_times_out_its_terminals_but_sends_nothing() -> None:
    targets = fleet("rolled_back", "accepted", "pending")
    plan = plan_round(view("halted"), targets, T0 + timedelta(hours=1))
    assert plan.time_out == ["term-1"]
    assert plan.send == [] and plan.state is None
