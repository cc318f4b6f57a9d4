"""Mandarin due dates: one test per spoken form, counted from the meeting's local date."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from speech.minutes.dates_zh import due_date, find_due_phrase, parse_number

CST = timezone(timedelta(hours=8))
WEDNESDAY = datetime(2026, 4, 8, 10, 0, tzinfo=CST)
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=CST)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=CST)
SUNDAY = datetime(2026, 9, 27, 9, 30, tzinfo=CST)
THIRTY_FIRST = datetime(2026, 3, 31, 10, 0, tzinfo=CST)  # a Tuesday
DECEMBER = datetime(2026, 12, 30, 10, 0, tzinfo=CST)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", date(2026, 4, 8)),
        ("今天下班之前", date(2026, 4, 8)),
        ("今晚", date(2026, 4, 8)),
        ("明天", date(2026, 4, 9)),
        ("明天上午", date(2026, 4, 9)),
        ("后天", date(2026, 4, 10)),
        ("大后天", date(2026, 4, 11)),
        ("周五之前", date(2026, 4, 10)),
        ("周五前", date(2026, 4, 10)),
        ("这周五", date(2026, 4, 10)),
        ("本周五", date(2026, 4, 10)),
        ("星期五之前", date(2026, 4, 10)),
        ("礼拜五", date(2026, 4, 10)),
        ("周一", date(2026, 4, 13)),  # Monday has passed: next Monday
        ("周三", date(2026, 4, 8)),  # the meeting day itself
        ("周日", date(2026, 4, 12)),
        ("星期天", date(2026, 4, 12)),
        ("这周内", date(2026, 4, 10)),
        ("本周", date(2026, 4, 10)),
        ("周末", date(2026, 4, 12)),
        ("下周一", date(2026, 4, 13)),
        ("下星期一", date(2026, 4, 13)),
        ("下礼拜三", date(2026, 4, 15)),
        ("下个星期五", date(2026, 4, 17)),
        ("下周", date(2026, 4, 17)),  # no day: Friday of next week
        ("下个星期", date(2026, 4, 17)),
        ("下周末", date(2026, 4, 19)),
        ("下下周二", date(2026, 4, 21)),
        ("月底", date(2026, 4, 30)),
        ("月底前", date(2026, 4, 30)),
        ("本月底", date(2026, 4, 30)),
        ("这个月底", date(2026, 4, 30)),
        ("月末", date(2026, 4, 30)),
        ("下个月底", date(2026, 5, 31)),
        ("下月底", date(2026, 5, 31)),
        ("下个月初", date(2026, 5, 1)),
        ("年底", date(2026, 12, 31)),
        ("两周内", date(2026, 4, 22)),
        ("两个星期内", date(2026, 4, 22)),
        ("一周内", date(2026, 4, 15)),
        ("三天内", date(2026, 4, 11)),
        ("10天之内", date(2026, 4, 18)),
        ("五天以内", date(2026, 4, 13)),
        ("两天后", date(2026, 4, 10)),
        ("三个工作日内", date(2026, 4, 13)),
        ("一个月内", date(2026, 5, 8)),
        ("半个月内", date(2026, 4, 23)),
        ("四月十五日", date(2026, 4, 15)),
        ("4月15日", date(2026, 4, 15)),
        ("四月十五号", date(2026, 4, 15)),
        ("4月15号之前", date(2026, 4, 15)),
        ("4月8日", date(2026, 4, 8)),  # the meeting day counts
        ("三月十五号", date(2027, 3, 15)),  # passed: next year
        ("五月十号", date(2026, 5, 10)),
        ("二月底", date(2027, 2, 28)),
        ("十五号之前", date(2026, 4, 15)),
        ("二十一号", date(2026, 4, 21)),
        ("三十号前", date(2026, 4, 30)),
        ("五号之前", date(2026, 5, 5)),  # the 5th has passed: next month's
        ("下个月五号", date(2026, 5, 5)),
    ],
)
def test_forms_on_a_wednesday(text: str, expected: date) -> None:
    assert due_date(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("meeting", "text", "expected"),
    [
        (FRIDAY, "周五之前", date(2026, 11, 27)),  # said on Friday: today
        (FRIDAY, "下周一", date(2026, 11, 30)),
        (FRIDAY, "月底前", date(2026, 11, 30)),
        (FRIDAY, "两周内", date(2026, 12, 11)),
        (FRIDAY, "三个工作日内", date(2026, 12, 2)),
        (SATURDAY, "周五之前", date(2026, 12, 4)),  # Friday has passed: next week's
        (SATURDAY, "本周五", date(2026, 12, 4)),
        (SUNDAY, "下周一", date(2026, 9, 28)),  # weeks start on Monday: tomorrow
        (SUNDAY, "周五", date(2026, 10, 2)),
        (SUNDAY, "周日", date(2026, 9, 27)),
        (SUNDAY, "两周内", date(2026, 10, 11)),
        (SUNDAY, "下周", date(2026, 10, 2)),
        (THIRTY_FIRST, "月底", date(2026, 3, 31)),
        (THIRTY_FIRST, "下个月底", date(2026, 4, 30)),
        (THIRTY_FIRST, "三十一号", date(2026, 3, 31)),
        (THIRTY_FIRST, "三十号", date(2026, 4, 30)),
        (THIRTY_FIRST, "一个月内", date(2026, 4, 30)),  # no 31 April: the month's end
        (THIRTY_FIRST, "明天", date(2026, 4, 1)),
        (DECEMBER, "本周五", date(2027, 1, 1)),
        (DECEMBER, "下周一", date(2027, 1, 4)),
        (DECEMBER, "月底前", date(2026, 12, 31)),
        (DECEMBER, "下个月底", date(2027, 1, 31)),
        (DECEMBER, "一月十日之前", date(2027, 1, 10)),
        (DECEMBER, "十号", date(2027, 1, 10)),
        (DECEMBER, "两周内", date(2027, 1, 13)),
        (DECEMBER, "后天", date(2027, 1, 1)),
    ],
)
def test_forms_on_other_days(meeting: datetime, text: str, expected: date) -> None:
    assert due_date(text, meeting) == expected


def test_the_meetings_local_date_counts_not_utc() -> None:
    early = datetime(2026, 4, 8, 1, 0, tzinfo=CST)  # still 7 April in UTC
    assert due_date("明天", early) == date(2026, 4, 9)
    assert due_date("明天", early.astimezone(UTC)) == date(2026, 4, 8)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("张伟你周五之前把方案发给大家", "周五之前"),
        ("我们月底前把报告交上去", "月底前"),
        ("李明下周一之前提交代码", "下周一之前"),
        ("两周内把新版本部署到测试环境", "两周内"),
        ("客户那边我来联系，明天上午打电话", "明天上午"),
        ("一月十日之前订好", "一月十日之前"),
        ("十五号之前给我", "十五号之前"),
        ("下个月底之前完成", "下个月底之前"),
        ("周五下班前发出来", "周五下班前"),
    ],
)
def test_find_due_phrase(text: str, phrase: str) -> None:
    assert find_due_phrase(text) == phrase


@pytest.mark.parametrize(
    "text",
    [
        "我上周五已经发了",  # the past
        "每周五开例会",  # a habit
        "三天前就提交了",
        "一周一次",
        "15号会议室",  # a room, not a day
        "尽快把报告发给我",
        "把方案发给大家",
    ],
)
def test_no_due_date(text: str) -> None:
    assert find_due_phrase(text) is None
    assert due_date(text, WEDNESDAY) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("两", 2),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("二十一", 21),
        ("三十", 30),
        ("三十一", 31),
        ("15", 15),
        ("１５", 15),
        ("十十", None),
        ("", None),
    ],
)
def test_parse_number(text: str, value: int | None) -> None:
    assert parse_number(text) == value


def test_impossible_dates_are_none() -> None:
    assert due_date("十三月五号", WEDNESDAY) is None
    assert due_date("四月三十二号", WEDNESDAY) is None
