"""Text transcripts: speakers, line numbers, Markdown and WebVTT."""

from speech.minutes.transcript import parse_transcript, split_speaker


def test_speakers_with_ascii_and_full_width_colons() -> None:
    lines = parse_transcript("Ana Lima: Good morning.\n\n王芳：好的，我来负责。\nno speaker here\n")
    assert [(u.speaker, u.text, u.line) for u in lines] == [
        ("Ana Lima", "Good morning.", 1),
        ("王芳", "好的，我来负责。", 3),
        (None, "no speaker here", 4),
    ]


def test_names_with_lower_case_particles() -> None:
    assert split_speaker("Pieter de Vries: Understood.") == ("Pieter de Vries", "Understood.")
    assert split_speaker("de Vries said: fine") == (None, "de Vries said: fine")


def test_colons_that_are_not_speakers() -> None:
    assert split_speaker("Action item: send the slides") == (None, "Action item: send the slides")
    assert split_speaker("We meet at 10:30 tomorrow.") == (None, "We meet at 10:30 tomorrow.")
    assert split_speaker("so the plan is: ship it") == (None, "so the plan is: ship it")
    assert split_speaker("决定：下周发布") == (None, "决定：下周发布")


def test_markdown_lists_emphasis_and_headings() -> None:
    text = "# Weekly sync\n- **Priya:** I'll send it by Friday.\n1. Ben: ok\n"
    assert [(u.speaker, u.text, u.line) for u in parse_transcript(text)] == [
        ("Priya", "I'll send it by Friday.", 2),
        ("Ben", "ok", 3),
    ]


def test_webvtt_cues_give_speakers_and_start_times() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ana>Hello there</v>\n\n"
        "1\n00:01:02.500 --> 00:01:05.000\nBen: I will do it.\n\n"
        "01:00:00,250 --> 01:00:02,000\nno voice\n"
    )
    assert [(u.speaker, u.text, u.start) for u in parse_transcript(vtt)] == [
        ("Ana", "Hello there", 1.0),
        ("Ben", "I will do it.", 62.5),
        (None, "no voice", 3600.25),
    ]
