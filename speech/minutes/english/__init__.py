"""English rules for meeting minutes: sentences in, findings (action items, decisions, open
questions) out. Plain regular expressions, compiled once; a 40-line meeting takes a few ms.

How a sentence is read (first rule that applies wins, at most one finding a sentence):

1. Decisions: "we decided (not) to ...", "we agreed ...", "the decision is ...",
   "decision: ...", "let's go with ...", "we'll go ahead with ...", "..., decided",
   "that's settled / final"; and a proposal ("then we make her an offer") answered by a
   bare "Agreed." / "That's a decision." (the decision is the proposal's text). Proposals
   still under discussion ("maybe we should ...", "should we ...?") are not decisions.
2. Open questions said as such: "the open question is ...", "we still need to figure out
   whether ...", "we don't know yet if ...", "nobody knows who ...", "... is TBD".
3. Action items: an owner, a modal that commits, a task.
   - name: "Ana will / 'll / is going to / can / should / needs to / to ...", "Ana owns
     ...", "action item for Ana: ...", "let's have Ben ...", "ask Priya to ...", "assign the
     report to Priya", "Ana, please ..." / "Ana, you'll ...";
   - speaker: "I'll / I will / I'm going to / I can / I need to / let me ...";
   - listener: "can you / could you / would you ...?" with nobody named, accepted by the
     next utterance ("sure", "yes", "will do", "ok", "I'll ...");
   - group: "we need to / have to / must ...", and "we'll / we should ..." with a date.
   A named request ("Ana, can you ...?", "can you ..., Ana?") also needs an acceptance; the
   acceptance may carry the date ("Sure, next Monday"). "I can take that" / "I'll do it" /
   "I will." takes the task of the "someone needs to ..." / "who can ...?" it answers.
   Not action items: past reports ("I sent it last week", "Ben already booked the room"),
   hypotheticals ("we could maybe ...", "it might be worth ...", "if we had time ..."),
   negations ("I won't be able to ..."), meeting talk ("let me share my screen", "I'll
   think about it", "we'll talk about that in March") and jokes ("haha").
4. Questions nobody answers: a real question (not a request, not "any questions?") whose
   next two utterances say "no idea", "not sure", "I don't know", "not yet", "good
   question", "let's leave that open", "let's not decide that", or that ends the meeting.
   Answered questions are not open: the rule is conservative on purpose.

Afterwards a later sentence may revise an item: "Then next Monday." or a restatement with a
new date replaces the earlier date; "Already done" from the owner drops it.

Modules: ``sentences`` (splitting), ``names`` (owners' names), ``text`` (shared word lists and
task phrases), ``actions``, ``decisions``, ``questions``, ``context`` (acceptances and
revisions); this one runs the pass over a meeting.

Names: the finder's known names (directory and speakers), else a capitalised word (not a
common word such as "I", "We", "Monday", "OK") before "will / can / to / is going to" or
after "for / ask / have / let / assign ... to".
"""

from collections.abc import Sequence

from speech.minutes.english.actions import action_in
from speech.minutes.english.context import Context, Found, Request, resolve_requests, revisions
from speech.minutes.english.decisions import agreements, decision_in, settled_answers
from speech.minutes.english.followups import follow_ups
from speech.minutes.english.questions import as_question, left_open, open_statement
from speech.minutes.english.sentences import split_sentences
from speech.minutes.english.text import sentence_body
from speech.minutes.findings import Finding, NameFinder, QuestionFinding
from speech.minutes.model import Sentence


def analyse(sentences: Sequence[Sentence], names: NameFinder) -> list[tuple[int, Finding]]:
    """Findings of the English sentences: (index into ``sentences``, finding), at most one a
    sentence, in order."""
    ctx = Context(sentences, names)
    found: dict[int, Found] = {}
    questions: dict[int, QuestionFinding] = {}
    for index, sentence in enumerate(sentences):
        if sentence.language != "en":
            continue
        finding = _classify(sentence.text, ctx, index)
        if isinstance(finding, QuestionFinding) and _is_direct_question(sentence.text):
            questions[index] = finding
        elif finding is not None:
            found[index] = finding
    resolve_requests(found, ctx)
    follow_ups(found, ctx)
    for index, item in list(found.items()):
        if isinstance(item, Request) and item.owner_kind == "speaker":
            found.pop(index)  # "I'll do it" that neither answers nor follows anything
    agreements(found, ctx)
    settled_answers(found, ctx)
    revisions(found, ctx)
    for index, item in list(found.items()):  # "who can ...?" that nobody took
        if isinstance(item, Request) and item.owner_kind == "none":
            question = as_question(sentence_body(sentences[index].text), sentences[index].text)
            if question is not None:
                questions[index] = question
    for index, question in questions.items():
        if left_open(index, ctx):
            found[index] = question
    return [(i, f) for i, f in sorted(found.items()) if not isinstance(f, Request)]


def _is_direct_question(text: str) -> bool:
    return text.rstrip().endswith("?")


def _classify(text: str, ctx: Context, index: int) -> Found | None:
    body = sentence_body(text)
    if not body:
        return None
    question = text.rstrip().endswith("?")
    if not question:
        decision = decision_in(body, text)
        if decision:
            return decision
        open_question = open_statement(body)
        if open_question:
            return open_question
    action = action_in(body + ("?" if question else ""), ctx, index)
    if action is not None:
        return action
    return as_question(body, text)


__all__ = ["analyse", "split_sentences"]
