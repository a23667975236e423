"""The chat box's example question comes from the archive it serves."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.examples import example_questions


@dataclass
class Entry:
    title: str
    source: str
    published_at: str


def test_examples_name_the_archives_own_stories_newest_first():
    entries = [Entry("Beeper Mini is back in operation after Apple's attempt to shut it down", "TechCrunch", "2023-12-11"),
               Entry("The Vikings lost to the Bears on Monday night", "Sporting News", "2023-11-28"),
               Entry("NATO Approves Training Security And Support Assistance For Ukraine", "", "2024-06-14")]
    assert example_questions(entries, 3) == ["What did TechCrunch report about Beeper Mini?",
                                             "What did Sporting News report about Vikings?"]
    assert example_questions([], 3) == []
