"""Voice commands about bookings: check in, extend, release, book, what's next."""

from datetime import timedelta

from api_world import NOW
from voice_world import AURORA, VoiceHub

from hub.db.models import Booking, BookingOccurrence


def occurrence(voice: VoiceHub, occurrence_id: int) -> BookingOccurrence:
    with voice.hub.session() as session:
        row = session.get(BookingOccurrence, occurrence_id)
        assert row is not None
        session.expunge(row)
        return row


def test_check_in_checks_in_the_current_booking_by_voice(voice: VoiceHub) -> None:
    occurrence_id = voice.book()
    reply = voice.say("check_in")
    assert reply["ok"] is True and reply["say"] == "You're checked in."
    assert reply["detail"]["outcome"] == "done"
    row = occurrence(voice, occurrence_id)
    assert (row.state, row.check_in_method, row.checked_in_at) == ("checked_in", "voice", NOW)
    (command,) = voice.commands()
    assert command.outcome == "done" and command.handled_at == NOW


def test_a_late_check_in_counts_at_its_own_time(voice: VoiceHub) -> None:
    occurrence_id = voice.book()
    said = NOW - timedelta(minutes=10)  # given while the hub was away, delivered now
    voice.clock.advance(20 * 60)
    reply = voice.say("check_in", said_at=said)
    assert reply["ok"] is True
    row = occurrence(voice, occurrence_id)
    assert row.checked_in_at == said and row.check_in_method == "voice"


def test_check_in_without_a_booking_is_refused(voice: VoiceHub) -> None:
    reply = voice.say("check_in")
    assert reply["ok"] is False and reply["detail"]["reason"] == "no_booking"
    assert voice.commands()[0].outcome == "refused"


def test_extend_moves_the_end_when_the_room_is_free(voice: VoiceHub) -> None:
    occurrence_id = voice.book()
    reply = voice.say("extend_meeting", {"duration": 15})
    # 12:45 UTC + 15 min = 13:00 UTC, 14:00 in Berlin where the room is.
    assert reply["ok"] is True and reply["say"] == "Done: the room is yours until 14:00."
    row = occurrence(voice, occurrence_id)
    assert row.ends_at == NOW + timedelta(hours=1)
    with voice.hub.session() as session:
        booking = session.get(Booking, row.booking_id)
        assert booking is not None and booking.ends_at == NOW + timedelta(hours=1)


def test_extend_is_refused_on_a_conflict_and_says_when(voice: VoiceHub) -> None:
    occurrence_id = voice.book()
    voice.book("member-engineering", timedelta(minutes=45), timedelta(minutes=90))
    reply = voice.say("extend_meeting", {"duration": 30}, text="give us thirty minutes more")
    assert reply["ok"] is False
    assert reply["detail"]["reason"] == "conflict"
    assert reply["say"] == "Sorry, the room is booked from 13:45."
    assert occurrence(voice, occurrence_id).ends_at == NOW + timedelta(minutes=45)


def test_extend_needs_a_duration(voice: VoiceHub) -> None:
    voice.book()
    reply = voice.say("extend_meeting", {})
    assert reply["ok"] is False and reply["detail"]["reason"] == "bad_duration"


def test_release_gives_the_room_back(voice: VoiceHub) -> None:
    occurrence_id = voice.book()
    reply = voice.say("release_room")
    assert reply["ok"] is True
    row = occurrence(voice, occurrence_id)
    assert row.state == "released" and row.released_at == NOW


def test_book_room_makes_a_checked_in_ad_hoc_booking(voice: VoiceHub) -> None:
    reply = voice.say("book_room", {"duration": 30})
    assert reply["ok"] is True and reply["say"] == "Booked: the room is yours until 13:30."
    row = occurrence(voice, reply["detail"]["occurrence_id"])
    assert (row.starts_at, row.ends_at) == (NOW, NOW + timedelta(minutes=30))
    assert (row.state, row.check_in_method) == ("checked_in", "voice")
    with voice.hub.session() as session:
        booking = session.get(Booking, row.booking_id)
        assert booking is not None and booking.source == "voice"
        assert booking.organizer_id is None and booking.space_id == AURORA


def test_book_room_is_refused_when_the_next_booking_is_too_soon(voice: VoiceHub) -> None:
    voice.book("member-engineering", timedelta(minutes=20), timedelta(minutes=60))
    reply = voice.say("book_room", {"duration": 30})
    assert reply["ok"] is False and reply["say"] == "Sorry, the room is only free until 13:20."


def test_book_room_is_refused_while_the_room_is_booked(voice: VoiceHub) -> None:
    voice.book()
    reply = voice.say("book_room", {"duration": 30})
    assert reply["ok"] is False and reply["detail"]["reason"] == "room_taken"


def test_whats_next_says_only_the_time(voice: VoiceHub) -> None:
    voice.book("member-engineering", timedelta(hours=1), timedelta(hours=2))
    reply = voice.say("whats_next")
    assert reply["ok"] is True and reply["say"] == "The room is free until 14:00."
    assert "Launch" not in str(reply)


def test_whats_next_during_a_meeting(voice: VoiceHub) -> None:
    voice.book()
    voice.book("member-engineering", timedelta(hours=1), timedelta(hours=2))
    reply = voice.say("whats_next")
    assert reply["say"] == "This meeting ends at 13:45. Next booking at 14:00."


def test_replies_follow_the_utterance_language(voice: VoiceHub) -> None:
    voice.book()
    reply = voice.say("extend_meeting", {"duration": 15}, text="延长十五分钟", language=None)
    assert reply["say"] == "好的，会议室延长到14:00。"
