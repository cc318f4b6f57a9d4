"""Minutes as Markdown, from the JSON form."""

from speech.minutes.markdown import render_markdown

MINUTES = {
    "meeting_start": "2026-03-04T10:00:00+01:00",
    "language": "en",
    "action_items": [
        {
            "owner": "Ben",
            "owner_user_id": None,
            "task": "send the *final* slides",
            "due": "2026-03-06",
            "evidence": {
                "quote": "Ben will send the final slides by Friday.",
                "line": 7,
                "start": None,
            },
            "review": [],
        },
        {
            "owner": None,
            "owner_user_id": None,
            "task": "book the room",
            "due": None,
            "evidence": {"quote": "I'll book the room.", "line": None, "start": 125.0},
            "review": ["the speaker is not known and there is no organizer: nobody owns it"],
        },
    ],
    "decisions": [
        {
            "text": "ship in May",
            "evidence": {"quote": "We decided to ship in May.", "line": 3, "start": None},
        }
    ],
    "open_questions": [],
}


def test_markdown_for_people() -> None:
    text = render_markdown(MINUTES, "Weekly sync")
    assert text.startswith("# Minutes: Weekly sync\n\n2026-03-04 10:00 (UTC+0100)\n")
    assert "- [ ] **Ben**: send the \\*final\\* slides (2026-03-06)\n" in text
    assert "  > Ben will send the final slides by Friday. (line 7)\n" in text
    assert "- [ ] **nobody**: book the room (no date) ⚠\n  > I'll book the room. (02:05)\n" in text
    assert "## Decisions\n\n- ship in May (line 3)\n" in text
    assert text.endswith("## Open questions\n\n_none_\n")


def test_chinese_minutes_get_chinese_headings() -> None:
    text = render_markdown({**MINUTES, "language": "zh", "action_items": [], "decisions": []})
    assert text.startswith("# 会议纪要\n")
    assert "## 待办事项\n\n_无_\n" in text
