"""What the terminal says back, in the utterance's language (English or Chinese).

Replies are short (they are spoken) and name times in the room's local time. Titles and
people's bookings are never said: anyone in the room hears the answer.
"""

import re

ENGLISH, CHINESE = "en", "zh"

REPLIES: dict[str, dict[str, str]] = {
    "checked_in": {ENGLISH: "You're checked in.", CHINESE: "已签到。"},
    "nothing_to_check_in": {
        ENGLISH: "There is no booking to check in to right now.",
        CHINESE: "现在没有可以签到的预订。",
    },
    "check_in_refused": {
        ENGLISH: "Sorry, I couldn't check you in.",
        CHINESE: "抱歉，无法签到。",
    },
    "extended": {
        ENGLISH: "Done: the room is yours until {end}.",
        CHINESE: "好的，会议室延长到{end}。",
    },
    "extend_conflict": {
        ENGLISH: "Sorry, the room is booked from {start}.",
        CHINESE: "抱歉，会议室{start}起已被预订。",
    },
    "no_meeting": {
        ENGLISH: "There is no meeting in this room right now.",
        CHINESE: "这个会议室现在没有会议。",
    },
    "bad_duration": {
        ENGLISH: "For how many minutes?",
        CHINESE: "请问要多少分钟？",
    },
    "too_long": {
        ENGLISH: "That is longer than a booking may last.",
        CHINESE: "超过了预订的最长时间。",
    },
    "released": {
        ENGLISH: "The room is released. Thank you.",
        CHINESE: "会议室已释放，谢谢。",
    },
    "booked": {
        ENGLISH: "Booked: the room is yours until {end}.",
        CHINESE: "已预订，会议室归您用到{end}。",
    },
    "room_taken": {
        ENGLISH: "Sorry, the room is booked until {end}.",
        CHINESE: "抱歉，会议室已被预订，到{end}结束。",
    },
    "free_only_until": {
        ENGLISH: "Sorry, the room is only free until {start}.",
        CHINESE: "抱歉，会议室只空闲到{start}。",
    },
    "too_late": {
        ENGLISH: "Sorry, that time has passed.",
        CHINESE: "抱歉，那个时间已经过去了。",
    },
    "minutes_started": {ENGLISH: "Minutes are on.", CHINESE: "会议纪要已开始。"},
    "minutes_stopped": {ENGLISH: "Minutes are off.", CHINESE: "会议纪要已结束。"},
    "off_the_record": {ENGLISH: "We're off the record.", CHINESE: "现在不做记录。"},
    "on_the_record": {ENGLISH: "Back on the record.", CHINESE: "恢复记录。"},
    "muted": {ENGLISH: "The microphone is muted.", CHINESE: "麦克风已静音。"},
    "action_item_for": {
        ENGLISH: "Action item added for {owner}.",
        CHINESE: "已为{owner}添加待办事项。",
    },
    "action_item": {ENGLISH: "Action item added.", CHINESE: "已添加待办事项。"},
    "no_task": {
        ENGLISH: "I didn't catch the task.",
        CHINESE: "没有听清是什么任务。",
    },
    "decision": {ENGLISH: "Decision noted.", CHINESE: "已记录这个决定。"},
    "no_minutes": {
        ENGLISH: "Minutes are not running.",
        CHINESE: "现在没有在记会议纪要。",
    },
    "minutes_closed": {
        ENGLISH: "These minutes can no longer be changed.",
        CHINESE: "这份会议纪要已不能修改。",
    },
    "free_until": {
        ENGLISH: "The room is free until {start}.",
        CHINESE: "会议室空闲到{start}。",
    },
    "next_booking": {
        ENGLISH: "This meeting ends at {end}. Next booking at {start}.",
        CHINESE: "本次会议{end}结束，下一个预订在{start}。",
    },
    "ends_then_free": {
        ENGLISH: "This meeting ends at {end}. Nothing is booked after it today.",
        CHINESE: "本次会议{end}结束，今天之后没有预订。",
    },
    "free_today": {
        ENGLISH: "The room is free for the rest of the day.",
        CHINESE: "会议室今天剩下的时间都空闲。",
    },
    "unknown_intent": {
        ENGLISH: "Sorry, I can't do that here.",
        CHINESE: "抱歉，这里做不到。",
    },
    "failed": {ENGLISH: "Sorry, something went wrong.", CHINESE: "抱歉，出错了。"},
}

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def language_of(language: str | None, text: str) -> str:
    """``zh`` for Chinese (and Cantonese) utterances, else ``en``; the text decides when the
    terminal did not say."""
    if language is not None:
        return CHINESE if language in ("zh", "yue") else ENGLISH
    return CHINESE if _CJK.search(text) else ENGLISH


def say(key: str, language: str, **values: str) -> str:
    texts = REPLIES[key]
    return texts.get(language, texts[ENGLISH]).format(**values)
