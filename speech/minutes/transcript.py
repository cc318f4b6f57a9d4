"""Text transcripts in: one utterance per line, an optional ``Speaker: text`` prefix.

Accepted forms (``python -m speech minutes INPUT`` with INPUT ending in .txt, .md or .vtt):

- plain text: one utterance per line; ``Name: text`` or ``Name：text`` (full-width colon)
  names the speaker. Blank lines are skipped; line numbers count every line of the file,
  so evidence points at the line a person sees in an editor.
- Markdown: the same, with list markers (``-``, ``*``, ``1.``), emphasis around the speaker
  (``**Ana:**``) and headings (skipped) tolerated.
- WebVTT: cues with ``00:01:02.500 --> ...`` timings; ``<v Ana>text`` voice tags or a
  ``Name:`` prefix name the speaker; the cue's start becomes the utterance's ``start``.

A prefix counts as a speaker only when it looks like a name: at most four words (or eight
CJK characters) before the colon, no digits, and not a word like "Note" or "Agenda". So
"Action item: send the slides" stays text, and so does "at 10:30".
"""

import re

from speech.minutes.model import Utterance

_SPEAKER = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:\*\*|__)?(?P<name>[^\W\d_][^:：\d]{0,40}?)(?:\*\*|__)?\s*[:：]"
    r"(?:\*\*|__)?\s*(?P<text>.*)$"
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)")
_VTT_TIMING = re.compile(r"^(?P<start>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\s+-->\s+")
_VTT_VOICE = re.compile(r"^<v(?:\.[^ >]*)?\s+(?P<name>[^>]+)>(?P<text>.*?)(?:</v>)?$")
_TAG = re.compile(r"</?[^>]+>")
# Lower-case parts of names ("Pieter de Vries", "Ludwig van Beethoven", "Ahmed bin Zayed").
_NAME_PARTICLES = {
    "de",
    "van",
    "von",
    "der",
    "den",
    "da",
    "di",
    "du",
    "le",
    "la",
    "del",
    "bin",
    "al",
    "ter",
    "dos",
    "das",
}
# Words that start a line with a colon but are not speakers.
_NOT_SPEAKERS = {
    "action item",
    "action items",
    "action",
    "agenda",
    "note",
    "notes",
    "decision",
    "decisions",
    "todo",
    "to do",
    "question",
    "summary",
    "update",
    "re",
    "ps",
    "fyi",
    "待办",
    "决定",
    "备注",
    "议程",
    "问题",
}


def parse_transcript(text: str, *, vtt: bool | None = None) -> list[Utterance]:
    """Utterances of a text transcript; ``vtt`` None: detected from a ``WEBVTT`` header."""
    if vtt or (vtt is None and text.lstrip("\ufeff").startswith("WEBVTT")):
        return _parse_vtt(text)
    utterances = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        speaker, said = split_speaker(line)
        if said:
            utterances.append(Utterance(said, line=number, speaker=speaker))
    return utterances


def split_speaker(line: str) -> tuple[str | None, str]:
    """(speaker, text) of one line; speaker None when the line has no name prefix."""
    match = _SPEAKER.match(line)
    if match:
        name = match.group("name").strip()
        if _looks_like_name(name):
            return name, _clean(match.group("text"))
    return None, _clean(_LIST_MARKER.sub("", line))


def _looks_like_name(name: str) -> bool:
    if name.casefold() in _NOT_SPEAKERS:
        return False
    if any("\u4e00" <= c <= "\u9fff" for c in name):
        return len(name.replace(" ", "")) <= 8
    words = name.split()
    return (
        1 <= len(words) <= 4
        and all(w[:1].isupper() or w[:1] in "'’-" or w in _NAME_PARTICLES for w in words)
        and words[0] not in _NAME_PARTICLES
    )


def _clean(text: str) -> str:
    return _TAG.sub("", text).replace("**", "").replace("__", "").strip()


def _parse_vtt(text: str) -> list[Utterance]:
    utterances: list[Utterance] = []
    start: float | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        timing = _VTT_TIMING.match(line)
        if timing:
            start = _seconds(timing.group("start"))
            continue
        if not line or start is None or line.startswith(("NOTE", "WEBVTT", "STYLE", "REGION")):
            if not line:
                start = None  # a blank line ends the cue
            continue
        voice = _VTT_VOICE.match(line)
        if voice:
            speaker: str | None = voice.group("name").strip()
            said = _clean(voice.group("text"))
        else:
            speaker, said = split_speaker(line)
        if said:
            utterances.append(Utterance(said, line=number, start=start, speaker=speaker))
    return utterances


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds
