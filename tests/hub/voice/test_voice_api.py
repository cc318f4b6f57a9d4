"""GET /rooms/{room_id}/voice-commands: admins see everything, facilities staff see
outcomes but no meeting content, members nothing."""

from voice_world import VoiceHub

PATH = "/rooms/hq-f1-aurora/voice-commands"


def test_admins_see_what_was_said(voice: VoiceHub) -> None:
    voice.say("add_action_item", {"person": "Ana", "task": "secret plan"}, text="secret plan")
    (row,) = voice.hub.ok(PATH)
    assert row["intent"] == "add_action_item" and row["outcome"] == "refused"
    assert row["text"] == "secret plan" and row["slots"]["task"] == "secret plan"


def test_facilities_see_outcomes_but_not_content(voice: VoiceHub) -> None:
    voice.say("add_action_item", {"person": "Ana", "task": "secret plan"}, text="secret plan")
    voice.say("extend_meeting", {"duration": 15})
    rows = voice.hub.ok(PATH, "facilities-engineering")
    assert [r["intent"] for r in rows] and {r["intent"] for r in rows} == {
        "add_action_item",
        "extend_meeting",
    }
    assert "secret" not in str(rows)
    assert all(r["text"] is None for r in rows)
    extend = next(r for r in rows if r["intent"] == "extend_meeting")
    assert extend["slots"] == {"duration": 15}


def test_members_may_not_list_voice_commands(voice: VoiceHub) -> None:
    assert voice.hub.get(PATH, "member-exec").status_code == 403


def test_facilities_see_only_rooms_in_their_scope(voice: VoiceHub) -> None:
    voice.say("whats_next", room="hq-f2-cosmos")
    assert (
        voice.hub.get("/rooms/hq-f2-cosmos/voice-commands", "facilities-engineering").status_code
        == 404
    )
    assert len(voice.hub.ok("/rooms/hq-f2-cosmos/voice-commands", "facilities-exec")) == 1
