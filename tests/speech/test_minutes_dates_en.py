"""English due dates: one test per convention of speech/minutes/dates_en.py."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from speech.minutes.dates_en import due_date, find_due_phrase

WEDNESDAY = datetime(2026, 5, 13, 10, 0, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize(
    ("said", "due"),
    [
        ("today", date(2026, 5, 13)),
        ("tonight", date(2026, 5, 13)),
        ("by end of day", date(2026, 5, 13)),
        ("by EOD", date(2026, 5, 13)),
        ("tomorrow", date(2026, 5, 14)),
        ("tomorrow morning", date(2026, 5, 14)),
        ("the day after tomorrow", date(2026, 5, 15)),
        ("by Friday", date(2026, 5, 15)),
        ("on Friday", date(2026, 5, 15)),
        ("before Friday", date(2026, 5, 15)),
        ("Friday", date(2026, 5, 15)),
        ("by 5pm Friday", date(2026, 5, 15)),
        ("Wednesday", date(2026, 5, 13)),  # the meeting's own weekday: today
        ("Tuesday", date(2026, 5, 19)),  # already past this week: next week's
        ("this Friday", date(2026, 5, 15)),
        ("next Monday", date(2026, 5, 18)),
        ("next Friday", date(2026, 5, 22)),
        ("Friday after next", date(2026, 5, 29)),
        ("end of the week", date(2026, 5, 15)),
        ("by the end of this week", date(2026, 5, 15)),
        ("end of next week", date(2026, 5, 22)),
        ("next week", date(2026, 5, 22)),
        ("by next week", date(2026, 5, 18)),
        ("early next week", date(2026, 5, 18)),
        ("the week after next", date(2026, 5, 25)),
        ("end of the month", date(2026, 5, 31)),
        ("end of month", date(2026, 5, 31)),
        ("by month end", date(2026, 5, 31)),
        ("end of next month", date(2026, 6, 30)),
        ("next month", date(2026, 6, 1)),
        ("end of the quarter", date(2026, 6, 30)),
        ("end of the year", date(2026, 12, 31)),
        ("within two weeks", date(2026, 5, 27)),
        ("in two weeks", date(2026, 5, 27)),
        ("give me two weeks", date(2026, 5, 27)),
        ("give us a few days", date(2026, 5, 16)),
        ("in 3 days", date(2026, 5, 16)),
        ("within ten days", date(2026, 5, 23)),
        ("in a week", date(2026, 5, 20)),
        ("within a week", date(2026, 5, 20)),
        ("in a couple of days", date(2026, 5, 15)),
        ("in a fortnight", date(2026, 5, 27)),
        ("two weeks from now", date(2026, 5, 27)),
        ("in two business days", date(2026, 5, 15)),
        ("in a month", date(2026, 6, 13)),
        ("June first", date(2026, 6, 1)),
        ("June 1st", date(2026, 6, 1)),
        ("the first of June", date(2026, 6, 1)),
        ("1 June", date(2026, 6, 1)),
        ("June 1", date(2026, 6, 1)),
        ("Monday, June 1", date(2026, 6, 1)),
        ("May 3", date(2027, 5, 3)),  # passed this year: next year
        ("May twenty-first", date(2026, 5, 21)),
        ("June 1, 2027", date(2027, 6, 1)),
        ("end of June", date(2026, 6, 30)),
        ("2026-06-01", date(2026, 6, 1)),
        ("by the 15th", date(2026, 5, 15)),
        ("by the tenth", date(2026, 6, 10)),
        ("on the thirty-first", date(2026, 5, 31)),
        ("by the 5th of next month", date(2026, 6, 5)),
    ],
)
def test_each_form_on_a_wednesday(said: str, due: date) -> None:
    assert due_date(said, WEDNESDAY) == due


@pytest.mark.parametrize(
    ("meeting", "said", "due"),
    [
        # On a Friday, "by Friday" is the same day and "next Friday" a week later.
        (datetime(2026, 5, 15, 14, tzinfo=UTC), "by Friday", date(2026, 5, 15)),
        (datetime(2026, 5, 15, 14, tzinfo=UTC), "next Friday", date(2026, 5, 22)),
        (datetime(2026, 5, 15, 14, tzinfo=UTC), "end of the week", date(2026, 5, 15)),
        (datetime(2026, 5, 15, 14, tzinfo=UTC), "next Monday", date(2026, 5, 18)),
        # On a Sunday the week is nearly over: next Monday is tomorrow.
        (datetime(2026, 9, 13, 18, tzinfo=UTC), "next Monday", date(2026, 9, 14)),
        (datetime(2026, 9, 13, 18, tzinfo=UTC), "Monday", date(2026, 9, 14)),
        (datetime(2026, 9, 13, 18, tzinfo=UTC), "next week", date(2026, 9, 18)),
        (datetime(2026, 9, 13, 18, tzinfo=UTC), "by next week", date(2026, 9, 14)),
        (datetime(2026, 9, 13, 18, tzinfo=UTC), "end of the week", date(2026, 9, 18)),
        (datetime(2026, 9, 13, 18, tzinfo=UTC), "this Friday", date(2026, 9, 18)),
        # On the 31st: tomorrow is another month; month end is today; next month is short.
        (datetime(2026, 3, 31, 9, tzinfo=UTC), "tomorrow", date(2026, 4, 1)),
        (datetime(2026, 3, 31, 9, tzinfo=UTC), "end of the month", date(2026, 3, 31)),
        (datetime(2026, 3, 31, 9, tzinfo=UTC), "in a month", date(2026, 4, 30)),
        (datetime(2026, 3, 31, 9, tzinfo=UTC), "by the 31st", date(2026, 3, 31)),
        (datetime(2026, 4, 1, 9, tzinfo=UTC), "by the 31st", date(2026, 5, 31)),
        # In December: the year rolls over.
        (datetime(2026, 12, 30, 9, tzinfo=UTC), "next Monday", date(2027, 1, 4)),
        (datetime(2026, 12, 30, 9, tzinfo=UTC), "within two weeks", date(2027, 1, 13)),
        (datetime(2026, 12, 30, 9, tzinfo=UTC), "January fifteenth", date(2027, 1, 15)),
        (datetime(2026, 12, 30, 9, tzinfo=UTC), "next month", date(2027, 1, 1)),
        (datetime(2026, 12, 30, 9, tzinfo=UTC), "end of next month", date(2027, 1, 31)),
        (datetime(2026, 12, 30, 9, tzinfo=UTC), "by the 2nd", date(2027, 1, 2)),
    ],
)
def test_edge_meetings(meeting: datetime, said: str, due: date) -> None:
    assert due_date(said, meeting) == due


def test_the_local_date_counts_not_utc() -> None:
    # Monday 07:30 in Sydney is still Sunday in UTC.
    sydney = datetime(2026, 6, 1, 7, 30, tzinfo=timezone(timedelta(hours=10)))
    assert due_date("today", sydney) == date(2026, 6, 1)
    assert due_date("end of the month", sydney) == date(2026, 6, 30)


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("I'll send the slides to facilities by Friday.", "by Friday"),
        ("Update the roadmap by the end of the month, please.", "by the end of the month"),
        ("Rerun the scan at the end of the month.", "at the end of the month"),
        ("Lucia is going to order adapters within two weeks.", "within two weeks"),
        ("Tag the release next Monday morning.", "next Monday morning"),
        ("Write the plan by the 15th at the latest.", "by the 15th at the latest"),
        ("Prepare the checklist by January fifteenth?", "by January fifteenth"),
        ("Label the units by Friday, so before he leaves today.", "by Friday"),
    ],
)
def test_due_phrase_in_a_sentence(sentence: str, phrase: str) -> None:
    assert find_due_phrase(sentence) == phrase


@pytest.mark.parametrize(
    "sentence",
    [
        "We may first ask legal.",  # the verb, not the month
        "Let's look at it on the second slide.",
        "As discussed in today's meeting.",
        "I'll book the lab for the whole of February.",  # a month alone is no date
        "Send the file as a 6/1 draft.",  # numeric day/month is ambiguous: not read
        "Joke of the week.",
    ],
)
def test_no_date(sentence: str) -> None:
    assert find_due_phrase(sentence) is None
    assert due_date(sentence, WEDNESDAY) is None


def test_empty_text_has_no_date() -> None:
    assert due_date("", WEDNESDAY) is None
