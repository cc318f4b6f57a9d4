"""Names in sentences, matched against the directory (aliases and Chinese names too)."""

from speech.minutes.directory import Directory, Person

PEOPLE = Directory(
    [
        Person("ana", "Ana Lima", ("Ana",), organizer=True),
        Person("wf", "王芳", ("小王", "Wang Fang")),
        Person("cw", "Chen Wei"),
        Person("jose", "José Ruiz"),
        Person("bo1", "Ben Okafor"),
        Person("bo2", "Ben Stone"),
    ]
)


def test_names_and_aliases_are_found_longest_first() -> None:
    text = "Ana and Chen Wei will ask 王芳 and jose; 小王 too. Banana."
    assert [m.text for m in PEOPLE.find(text)] == ["Ana", "Chen Wei", "王芳", "jose", "小王"]


def test_a_spoken_name_resolves_to_one_person() -> None:
    assert PEOPLE.resolve("ana").user_id == "ana"  # type: ignore[union-attr]
    assert PEOPLE.resolve("Wang Fang").user_id == "wf"  # type: ignore[union-attr]
    assert PEOPLE.resolve("Jose").user_id == "jose"  # type: ignore[union-attr]
    assert PEOPLE.resolve("Chen").user_id == "cw"  # type: ignore[union-attr]
    assert PEOPLE.resolve("Ben") is None  # two Bens: ambiguous
    assert PEOPLE.resolve("Priya") is None


def test_speakers_join_the_directory_as_written() -> None:
    with_speakers = PEOPLE.with_speakers(["Priya", "Ana Lima", " "])
    assert with_speakers.resolve("Priya") is not None
    assert with_speakers.resolve("Priya").user_id is None  # type: ignore[union-attr]
    assert len(with_speakers.people) == len(PEOPLE.people) + 1
    assert PEOPLE.organizer is not None and PEOPLE.organizer.user_id == "ana"
