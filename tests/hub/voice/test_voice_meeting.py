"""Voice commands about the meeting: room-only commands, action items, decisions; unknown
intents; idempotent ingest."""

from datetime import date, timedelta

from api_world import NOW
from voice_world import VoiceHub

from hub.db.minutes_models import ActionItem, MeetingMinutes
from hub.db.voice_models import VoiceCommand

SESSION = "20260106T115000-5be2a7f1"


def start_minutes(voice: VoiceHub, occurrence_id: int) -> None:
    started = {
        "session": SESSION,
        "state": "started",
        "reason": "button",
        "started_at": (NOW - timedelta(minutes=10)).isoformat(),
        "booking_occurrence_id": occurrence_id,
    }
    voice.feed(voice.message("minutes_session", "minutes", started))


def transcript(voice: VoiceHub, segment: int, start_s: float, text: str) -> tuple[str, bytes]:
    data = {
        "session": SESSION,
        "segment": segment,
        "start_s": start_s,
        "end_s": start_s + 2,
        "started_at": (NOW - timedelta(minutes=10)).isoformat(),
        "text": text,
        "final": True,
        "language": "en",
    }
    return voice.message("transcript", "transcript", data)


def items(voice: VoiceHub) -> list[ActionItem]:
    with voice.hub.session() as session:
        rows = session.query(ActionItem).order_by(ActionItem.position).all()
        session.expunge_all()
        return rows


def minutes_row(voice: VoiceHub) -> MeetingMinutes:
    with voice.hub.session() as session:
        row = session.query(MeetingMinutes).one()
        session.expunge(row)
        return row


def test_room_only_commands_are_recorded_and_confirmed(voice: VoiceHub) -> None:
    for intent in ("start_minutes", "off_the_record", "on_the_record", "stop_minutes", "mute"):
        reply = voice.say(intent)
        assert reply["ok"] is True and reply["intent"] == intent
    assert [c.outcome for c in voice.commands()] == ["done"] * 5


def test_an_action_item_goes_into_the_draft_with_its_owner_and_due_date(
    voice: VoiceHub,
) -> None:
    occurrence_id = voice.book(attendees=("member-engineering",))
    start_minutes(voice, occurrence_id)
    reply = voice.say(
        "add_action_item",
        {"person": "Member-Engineering", "task": "send the slides by Friday"},
        text="action item for Member-Engineering send the slides by Friday",
        session=SESSION,
    )
    assert reply["ok"] is True and reply["say"] == "Action item added for Member-Engineering."
    (item,) = items(voice)
    assert item.owner_user_id == "member-engineering"
    assert item.task == "send the slides by Friday"
    assert item.due == date(2026, 1, 9)  # the Friday after Tuesday 2026-01-06
    assert item.evidence["source"] == "voice" and "Friday" in item.evidence["quote"]
    assert minutes_row(voice).status == "draft"


def test_voice_items_and_decisions_survive_the_terminals_minutes(voice: VoiceHub) -> None:
    occurrence_id = voice.book(attendees=("member-engineering",))
    start_minutes(voice, occurrence_id)
    voice.say("add_action_item", {"person": "Nobody", "task": "water the plants"}, session=SESSION)
    voice.say("mark_decision", session=SESSION, text="mark that as a decision")
    minutes = {
        "session": SESSION,
        "meeting_start": (NOW - timedelta(minutes=10)).isoformat(),
        "language": "en",
        "action_items": [{"task": "send the report", "evidence": {"quote": "send the report"}}],
        "decisions": [{"text": "ship it", "evidence": {"quote": "We ship it."}}],
    }
    voice.feed(voice.message("minutes", "minutes", minutes))
    assert [i.task for i in items(voice)] == ["send the report", "water the plants"]
    decisions = [d["text"] for d in minutes_row(voice).decisions]
    assert decisions == ["ship it", "mark that as a decision"]


def test_an_action_item_without_minutes_running_is_refused(voice: VoiceHub) -> None:
    reply = voice.say("add_action_item", {"person": "Ana", "task": "x"})
    assert reply["ok"] is False and reply["detail"]["reason"] == "no_minutes"


def test_mark_decision_takes_the_last_thing_said_before_the_command(voice: VoiceHub) -> None:
    occurrence_id = voice.book()
    start_minutes(voice, occurrence_id)
    voice.feed(
        transcript(voice, 0, 100.0, "Should we move the launch?"),
        transcript(voice, 1, 400.0, "We move the launch to Thursday."),
        transcript(voice, 2, 598.0, "Mark that as a decision."),  # the command itself
        transcript(voice, 3, 700.0, "Said after the command."),
    )
    reply = voice.say("mark_decision", text="mark that as a decision", session=SESSION)
    assert reply["ok"] is True and reply["say"] == "Decision noted."
    (decision,) = minutes_row(voice).decisions
    assert decision["text"] == "We move the launch to Thursday."
    assert decision["evidence"]["start"] == 400.0


def test_an_unknown_intent_is_stored_and_answered_never_dead_lettered(voice: VoiceHub) -> None:
    reply = voice.say("make_coffee", {"size": "large"})
    assert reply["ok"] is False and reply["detail"]["outcome"] == "unknown_intent"
    assert reply["say"] == "Sorry, I can't do that here."
    (command,) = voice.commands()
    assert (command.intent, command.outcome) == ("make_coffee", "unknown_intent")


def test_a_redelivered_command_is_carried_out_once(voice: VoiceHub) -> None:
    voice.book()
    raw = voice.intent("extend_meeting", {"duration": 15})
    assert len(voice.feed(raw)) == 1
    assert voice.feed(raw) == []  # the spool re-sent it: a duplicate
    assert len(voice.ingest.sent) == 1 and len(voice.commands()) == 1


def test_a_failing_handler_is_answered_and_leaves_no_change(voice: VoiceHub, monkeypatch) -> None:
    from hub.voice import actions, runner

    def broken(ctx: actions.VoiceContext) -> actions.Outcome:
        raise RuntimeError("bug")

    monkeypatch.setattr(runner, "handlers", lambda: {"check_in": broken})
    reply = voice.say("check_in")
    assert reply["ok"] is False and reply["detail"]["outcome"] == "failed"
    assert voice.commands()[0].outcome == "failed"


def test_pending_commands_are_carried_out_later(voice: VoiceHub) -> None:
    from hub.checkin.policy import CheckInPolicy
    from hub.ingest.apply import Received, apply_batch
    from hub.voice.runner import carry_out_pending

    topic, payload = voice.intent("start_minutes")
    with voice.hub.state.session_factory() as session, session.begin():
        apply_batch(session, [Received(topic, payload, voice.clock.now())], voice.clock)
    assert voice.commands()[0].outcome == "pending"  # the hub stopped before acting
    voice.clock.advance(60)
    replies = carry_out_pending(
        voice.hub.state.session_factory,
        now=voice.clock.now(),
        policy=CheckInPolicy(),
        send=voice.ingest.publish_command,
    )
    assert [r.intent for r in replies] == ["start_minutes"]
    assert voice.commands()[0].outcome == "done" and len(voice.ingest.sent) == 1
    assert isinstance(voice.commands()[0], VoiceCommand)
