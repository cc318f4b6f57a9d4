"""The domain prompt from the roster and the title."""

from speech.prompt import MAX_CONTEXT_CHARS, MAX_NAMES, Prompt, domain_prompt, with_context


def test_roster_and_title_make_hotwords_and_an_initial_prompt() -> None:
    prompt = domain_prompt(["Ana Lima", "Chen Wei", "ana  lima"], title="Q3 roadmap")
    assert prompt is not None
    assert prompt.hotwords == "Ana Lima, Chen Wei"  # duplicates (any case, spacing) once
    assert prompt.initial_prompt == "Meeting: Q3 roadmap."


def test_nothing_to_say_gives_no_prompt() -> None:
    assert domain_prompt([], title="  ") is None
    assert domain_prompt(["", "  "]) is None


def test_a_long_roster_is_cut_to_what_whisper_can_hold() -> None:
    prompt = domain_prompt([f"Person {n}" for n in range(200)])
    assert prompt is not None and prompt.hotwords is not None
    assert prompt.hotwords.count(",") == MAX_NAMES - 1


def test_terms_are_hints_too() -> None:
    prompt = domain_prompt(terms=["ComfyUI"])
    assert prompt is not None
    assert (prompt.hotwords, prompt.initial_prompt) == ("ComfyUI", None)


def test_what_was_said_last_follows_the_title() -> None:
    prompt = with_context(domain_prompt(["Ana Lima"], "Budget"), "x" * 300 + " so Ana will do it.")
    assert prompt is not None and prompt.initial_prompt is not None
    assert prompt.hotwords == "Ana Lima"
    assert prompt.initial_prompt.startswith("Meeting: Budget. xxx")
    assert prompt.initial_prompt.endswith("so Ana will do it.")
    assert len(prompt.initial_prompt) <= len("Meeting: Budget. ") + MAX_CONTEXT_CHARS
    assert with_context(None, "  ") is None
    assert with_context(None, "hello") == Prompt(None, "hello")
