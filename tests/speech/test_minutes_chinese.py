"""Mandarin rules: sentence splitting, and what one sentence (with its neighbours) yields."""

import pytest

from speech.minutes.chinese import analyse, split_sentences
from speech.minutes.directory import Directory, Person
from speech.minutes.findings import ActionFinding, DecisionFinding, Finding, QuestionFinding
from speech.minutes.model import Sentence, Utterance

PEOPLE = Directory(
    [
        Person("wangfang", "王芳", ("小王",), organizer=True),
        Person("liming", "李明", ("小李",)),
        Person("zhangwei", "张伟", ("老张",)),
        Person("chenjing", "陈静"),
    ]
)


def _sentences(lines: list[str]) -> list[Sentence]:
    """ "王芳：…" lines (a speaker before "：") or bare lines, one utterance each."""
    out = []
    for number, line in enumerate(lines, start=1):
        speaker, sep, text = line.partition("：")
        utterance = Utterance(text if sep else line, line=number, speaker=speaker if sep else None)
        out += [Sentence(s, utterance, "zh") for s in split_sentences(utterance.text)]
    return out


def _found(lines: list[str]) -> dict[str, Finding]:
    """The findings by the text of their sentence."""
    sentences = _sentences(lines)
    return {sentences[i].text: finding for i, finding in analyse(sentences, PEOPLE)}


def test_split_sentences() -> None:
    assert split_sentences("好的。我来负责！你呢？行；就这样\n下一个") == [
        "好的。",
        "我来负责！",
        "你呢？",
        "行；",
        "就这样",
        "下一个",
    ]
    assert split_sentences("版本3.5已经发了. 好的") == ["版本3.5已经发了.", "好的"]
    assert split_sentences("。。") == []


# (sentence, owner kind, owner name, task, due phrase): one sentence said on its own.
ACTIONS: list[tuple[str, str, str | None, str, str | None]] = [
    ("王芳负责把方案发给大家。", "name", "王芳", "把方案发给大家", None),
    ("由李明来整理会议纪要。", "name", "李明", "整理会议纪要", None),
    ("张伟你周五之前把方案发给大家。", "name", "张伟", "把方案发给大家", "周五之前"),
    ("李明下周一之前提交测试报告。", "name", "李明", "提交测试报告", "下周一之前"),
    ("请王芳整理一下需求文档。", "name", "王芳", "整理需求文档", None),
    ("让小李月底前把预算表做出来。", "name", "小李", "把预算表做出来", "月底前"),
    ("老张两周内把服务器迁移完。", "name", "老张", "把服务器迁移完", "两周内"),
    ("赵磊周五之前把传感器装完。", "name", "赵磊", "把传感器装完", "周五之前"),  # unknown
    ("小周，月底前你把新的预订规则发给大家。", "name", "小周", "把新的预订规则发给大家", "月底前"),
    ("这个交给小周，月底前把规则发给大家。", "name", "小周", "把规则发给大家", "月底前"),
    ("黄总负责跟客户确认合同。", "name", "黄总", "跟客户确认合同", None),
    ("孙丽两周内把报表做出来。", "name", "孙丽", "把报表做出来", "两周内"),
    ("我来负责跟物业沟通空调的问题。", "speaker", None, "跟物业沟通空调的问题", None),
    ("我明天把会议纪要发给大家。", "speaker", None, "把会议纪要发给大家", "明天"),
    ("我会在周五之前更新文档。", "speaker", None, "更新文档", "周五之前"),
    ("我去联系供应商。", "speaker", None, "联系供应商", None),
    ("测试报告我来负责，本周五之前发给大家。", "speaker", None, "测试报告发给大家", "本周五之前"),
    (
        "好的，那我下周一之前把权限方案整理出来。",
        "speaker",
        None,
        "把权限方案整理出来",
        "下周一之前",
    ),
    ("我们需要在月底前完成验收。", "group", None, "完成验收", "月底前"),
    ("大家周五之前把意见反馈给王芳。", "group", None, "把意见反馈给王芳", "周五之前"),
    ("咱们一定要在下周三之前提交材料。", "group", None, "提交材料", "下周三之前"),
    ("请大家下周三之前提交周报。", "group", None, "提交周报", "下周三之前"),
    ("下周一之前，李明把代码合进去。", "name", "李明", "把代码合进去", "下周一之前"),
    ("我负责前端，李明负责后端。", "speaker", None, "前端", None),  # the first owner
]


@pytest.mark.parametrize(("text", "kind", "name", "task", "due"), ACTIONS)
def test_action_items(text: str, kind: str, name: str | None, task: str, due: str | None) -> None:
    found = _found([text])
    assert list(found.values()) == [ActionFinding(task, kind, name, due)]  # type: ignore[arg-type]


# Said on their own, these are no action items (and nothing else either).
NOTHING = [
    "我上周已经发了。",
    "他昨天把报告交了。",
    "服务器的续费我已经交了。",
    "三楼的投影仪上周已经换好了。",
    "赵磊说他上个月已经把交换机重启过了。",
    "好的，那我去准备了。",
    "如果有时间的话可以顺便看看二楼的网络。",
    "也许可以考虑找外包翻译。",
    "要不我们先找个外包吧。",
    "我觉得可以再演练一次。",
    "我建议换一家供应商。",
    "好，我们开始吧，今天主要过一下新版本。",
    "我们简单过一下会议室设备的事情。",
    "好的，今天就到这里，大家辛苦。",
    "好的，那就这样，大家周末愉快。",
    "谢谢老张。",
    "把方案发给大家。",  # nobody owns it
    "我觉得这个方案不错。",
    "我来说一下背景。",
    "马上把会议室订好。",  # 马上 is no name
    "方案来不及了。",
    "这个问题下次再讨论。",  # nothing before it to name the question
]


@pytest.mark.parametrize("text", NOTHING)
def test_no_finding(text: str) -> None:
    assert _found([text, "好。"]) == {}


@pytest.mark.parametrize(
    ("text", "decided"),
    [
        ("我们决定不在国庆期间做任何发布。", "不在国庆期间做任何发布"),
        ("英文界面这次先不做，决定暂时不上英文版。", "暂时不上英文版"),
        ("那上线时间就定在五月十号，就这么定了。", "上线时间定在五月十号"),
        ("我们定了用方案B。", "用方案B"),
        ("大家都同意用内部讲师。", "用内部讲师"),
        ("那就按上次的流程来。", "按上次的流程来"),
        ("最后确定由供应商负责安装。", "由供应商负责安装"),
        ("以后不再用旧系统了。", "以后不再用旧系统"),
    ],
)
def test_decisions(text: str, decided: str) -> None:
    assert list(_found([text]).values()) == [DecisionFinding(decided)]


def test_bare_agreement_settles_the_proposal_before() -> None:
    found = _found(["李明：要不下周三再上线吧。", "王芳：好，就这么定了。"])
    assert found == {"好，就这么定了。": DecisionFinding("下周三再上线")}


def test_agreeing_with_a_decision_is_not_a_second_one() -> None:
    found = _found(["王芳：我们决定提高到安卓10。", "李明：同意，老机型太难适配了。"])
    assert list(found.values()) == [DecisionFinding("提高到安卓10")]


def test_a_decision_confirmed_in_the_answer() -> None:
    found = _found(["李明：我们决定不在国庆期间发布，对吧？", "王芳：对，国庆期间不做任何发布。"])
    assert found == {"对，国庆期间不做任何发布。": DecisionFinding("国庆期间不做任何发布")}


def test_undecided_is_no_decision() -> None:
    assert _found(["这个还没决定。"]) == {}


@pytest.mark.parametrize(
    ("lines", "question"),
    [
        (["还有一个问题，周末要不要开空调，还没定。"], "周末要不要开空调"),
        (["国庆期间谁值班还没排呢。"], "国庆期间谁值班"),
        (["还需要确认供应商是否能按时交货。"], "供应商是否能按时交货"),
        (["预算上限待定。"], "预算上限"),
        (["有人问能不能远程参加培训，这个还没定。"], "能不能远程参加培训"),
        (
            ["陈静：我有个问题，客户到底要不要离线模式？", "王芳：这个还不清楚，得问问销售。"],
            "客户到底要不要离线模式",
        ),
        (["高鹏：郑总，年会的预算上限是多少？", "郑华：还没定。"], "年会的预算上限是多少"),
        (
            [
                "杨帆：要不要接入日历？",
                "徐丽：我觉得可以考虑，不过要看法务怎么说。",
                "杨帆：那这个先放一放。",
            ],
            "要不要接入日历",
        ),
        (["王芳：数据迁移的方案谁来评审？"], "数据迁移的方案谁来评审"),  # nobody answers
        (["李明：预算谁来批？", "王芳：这个问题下次再讨论。"], "预算谁来批"),
    ],
)
def test_open_questions(lines: list[str], question: str) -> None:
    assert list(_found(lines).values()) == [QuestionFinding(question)]


@pytest.mark.parametrize(
    "lines",
    [
        ["李明：要不要把英文界面也一起做了？", "王芳：这次先不做，决定暂时不上英文版。"],
        ["王芳：那测试报告什么时候能出来？", "陈静：周五吧。"],
        ["王芳：大家还有什么问题吗？"],
        ["王芳：这样可以吗？"],
        ["李明：是不是应该先做测试？", "王芳：对，先测。"],
    ],
)
def test_answered_and_rhetorical_questions_are_no_findings(lines: list[str]) -> None:
    found = _found(lines)
    assert not any(isinstance(f, QuestionFinding) for f in found.values())
    assert not any(isinstance(f, ActionFinding) for f in found.values())


def test_a_request_accepted_by_the_listener() -> None:
    found = _found(["王芳：你周五之前把数据整理一下？", "李明：好的，没问题。"])
    assert list(found.values()) == [ActionFinding("把数据整理一下", "listener", None, "周五之前")]


def test_an_unanswered_unnamed_request_is_no_action() -> None:
    found = _found(["王芳：你把数据整理一下。", "王芳：另外，下周见。"])
    assert not any(isinstance(f, ActionFinding) for f in found.values())


def test_a_named_question_taken_on_with_another_date() -> None:
    found = _found(
        [
            "王芳：老张，剩下的四个bug月底前能修完吗？",
            "张伟：月底不行，下周一之前吧。",
            "王芳：好，那就下周一之前。",
        ]
    )
    (finding,) = found.values()
    assert isinstance(finding, ActionFinding)
    assert (finding.owner_kind, finding.owner_name, finding.due_phrase) == (
        "name",
        "老张",
        "下周一之前",
    )
    assert "修完" in finding.task


def test_the_reply_is_the_item_not_the_question() -> None:
    found = _found(
        ["王芳：老张你看一下权限的问题？", "张伟：好，我下周一之前把权限的方案整理出来。"]
    )
    assert list(found.values()) == [
        ActionFinding("把权限的方案整理出来", "speaker", None, "下周一之前")
    ]


def test_who_will_do_it_and_i_will() -> None:
    found = _found(["王芳：谁来整理会议纪要？", "李明：我来吧。"])
    assert list(found.values()) == [ActionFinding("整理会议纪要", "speaker", None, None)]


def test_a_revised_commitment_keeps_the_last_date() -> None:
    found = _found(
        [
            "郑华：明年的设备预算，老高你那边怎么样？",
            "高鹏：还在算，我本周五之前给您。",
            "郑华：本周五是元旦，放假。",
            "高鹏：哦对，那我下周一之前给您。",
        ]
    )
    (finding,) = found.values()
    assert isinstance(finding, ActionFinding)
    assert finding.due_phrase == "下周一之前"
    assert "设备预算" in finding.task


def test_english_sentences_are_left_alone() -> None:
    utterance = Utterance("I'll send the slides by Friday.", speaker="Ana")
    assert analyse([Sentence(utterance.text, utterance, "en")], PEOPLE) == []


# Patterns added with the second round of development meetings (sentences written here).
NEW_ACTIONS: list[tuple[list[str], str, str | None, str, str | None]] = [
    # "拜托 NAME 了" hands a task over; "这件事" points back to the clause before.
    (
        ["机房搬迁这件事就拜托老张了，下周三之前搬完。"],
        "name",
        "老张",
        "机房搬迁搬完",
        "下周三之前",
    ),
    # "由 <department>的 NAME 牵头"
    (["年会由行政部的王芳牵头，月底前定下场地。"], "name", "王芳", "年会牵头，定下场地", "月底前"),
    # a directory name right after a topic, with "这边负责"
    (["接口文档李明这边负责，周四之前补齐。"], "name", "李明", "接口文档补齐", "周四之前"),
    # a bare verb takes its object from the lead clause
    (
        ["季度报表周五之前要交给财务，我来汇总。"],
        "speaker",
        None,
        "汇总季度报表，交给财务",
        "周五之前",
    ),
    # 了 after a coming date is no report
    (["陈静明天把合同盖章了。"], "name", "陈静", "把合同盖章", "明天"),
    # an aside after the task is dropped
    (["王芳：服务器的日志我来查，不着急。"], "speaker", None, "服务器的日志查", None),
]


@pytest.mark.parametrize(("lines", "kind", "name", "task", "due"), NEW_ACTIONS)
def test_new_action_patterns(
    lines: list[str], kind: str, name: str | None, task: str, due: str | None
) -> None:
    found = _found(lines)
    assert list(found.values()) == [ActionFinding(task, kind, name, due)]  # type: ignore[arg-type]


def test_a_bare_verb_takes_the_thing_just_said() -> None:
    found = _found(["李明：供应商说会把新报价发过来，一直没发。", "王芳：这个我来催。"])
    (finding,) = found.values()
    assert isinstance(finding, ActionFinding) and finding.task.startswith("催")
    assert "新报价" in finding.task


def test_the_asked_topic_completes_a_short_task() -> None:
    found = _found(["李明：测试环境今年还续不续？", "王芳：要续。由运维的张伟负责，两周内续完。"])
    (finding,) = found.values()
    assert isinstance(finding, ActionFinding)
    assert (finding.owner_name, finding.due_phrase) == ("张伟", "两周内")
    assert "测试环境" in finding.task


def test_the_accepting_reply_is_the_same_item_with_its_date() -> None:
    found = _found(["王芳：小李你周三之前把清单给我。", "李明：周三有点赶，我周四之前给您。"])
    assert list(found.values()) == [ActionFinding("把清单给我", "name", "小李", "周四之前")]


def test_a_date_moved_later_in_the_talk() -> None:
    found = _found(
        [
            "李明：那我明天把测试用例写完。",
            "王芳：明天太赶了，周五之前吧。",
            "李明：好，那就周五之前。",
        ]
    )
    assert list(found.values()) == [ActionFinding("把测试用例写完", "speaker", None, "周五之前")]


@pytest.mark.parametrize(
    "text",
    [
        "我下周三要去总部开会，评审那天来不了。",  # away: no commitment
        "下周我出差，可能不在。",
        "供应商说他们不能按时交货了。",  # reported and unable
        "我们没法在月底前完成迁移。",
        "要是能多招两个人就好了。",
        "我先共享一下屏幕，大家看一下排期。",
        "报价上周已经通过了。",  # a past decision, reported
    ],
)
def test_new_distractors(text: str) -> None:
    assert _found([text, "好。"]) == {}


@pytest.mark.parametrize(
    ("lines", "decided"),
    [
        (["那确定用第三家物流，价格优先。"], "确定用第三家物流，价格优先"),
        (["那就用新模板，没有异议的话就这么定了。"], "用新模板"),
        (["人手不够，不办线下沙龙了，改成线上直播。"], "不办线下沙龙，改成线上直播"),
        (["另外，团建的事情预算不够，这个先不做了。"], "先不团建"),
        (["先打补丁，系统升级这个先不做了。"], "先打补丁，先不系统升级"),
        (
            ["李明：要不把例会改到周一？", "王芳：大家时间对不上，这个先不做了。"],
            "先不把例会改到周一",
        ),
        (
            ["李明：要是能换个新投影仪就好了。", "王芳：明年再说，这个先不换了。"],
            "先不换个新投影仪",
        ),
    ],
)
def test_new_decision_patterns(lines: list[str], decided: str) -> None:
    decisions = [f for f in _found(lines).values() if isinstance(f, DecisionFinding)]
    assert decisions == [DecisionFinding(decided)]


@pytest.mark.parametrize(
    "lines",
    [
        ["王芳：我今天就先不加班了。"],  # one's own plan
        ["李明：他说下周先不来了。"],  # reported speech
        ["王芳：这个方案来不及了。"],
        ["王芳：这个先不做了。"],  # nothing proposed before: nothing to name
    ],
)
def test_no_decision_not_to(lines: list[str]) -> None:
    assert not any(isinstance(f, DecisionFinding) for f in _found(lines).values())
