"""Example questions drawn from the archive the user loaded, for the empty chat page (three to click).

``example_questions(entries)`` reads only the archive's listing (each entry's ``title``, ``source``
and ``published_at``: ``Manifest.listing()`` gives them as ``DocumentEntry``), so an archive of
football reports suggests a question about a team in it, never the seed's Hungary question. Pure and
deterministic: most recent headlines first, one question per named thing, each about a headline
the archive holds (so the suggestion can be answered from it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from assistant.short_answer import fold, name_phrases

MAX_NAME_WORDS = 4
# capitalised, but seasons of the news rather than things a question is about
_OCCASIONS = frozenset(
    "christmas|christmas day|christmas eve|thanksgiving|halloween|easter|new year|black friday|cyber monday|prime day".split("|"))


class Headline(Protocol):
    title: str
    source: str
    published_at: str


def _named(title: str, source: str) -> str | None:
    """The first name a headline writes that is not its outlet's ("Beeper Mini" in "Beeper Mini is
    back in operation after Apple's attempt to shut it down"), or None."""
    outlet = set(fold(source).split())
    words = [w for w in title.split() if w[:1].isalpha()]
    if len(words) >= 4 and sum(w[0].isupper() for w in words) / len(words) > 0.7:
        return None  # a Title Case headline capitalises every word: its names cannot be told apart
    for phrase in name_phrases(title):
        words = fold(phrase).split()
        if not words or set(words) <= outlet or len(phrase.split()) > MAX_NAME_WORDS:
            continue
        if any(set(words) <= set(o.split()) and o in fold(title) for o in _OCCASIONS):  # "Black" of Black Friday
            continue
        if len(words) == 1 and (len(phrase) < 3 or phrase.isdigit()):
            continue
        return phrase
    return None


def example_questions(entries: Iterable[Headline], limit: int = 3) -> list[str]:
    """Up to ``limit`` questions about the archive's own stories, most recent first: "What did
    <outlet> report about <name>?" for the first name of each headline (one question per name), or
    "What happened with <name>?" when the article has no outlet. Empty for an empty archive."""
    ordered = sorted(entries, key=lambda e: ((e.published_at or "")[:10], e.title or ""), reverse=True)
    questions: list[str] = []
    seen: set[str] = set()
    for entry in ordered:
        name = _named(entry.title or "", entry.source or "")
        if name is None or fold(name) in seen:
            continue
        seen.add(fold(name))
        source = (entry.source or "").split(" | ")[0].split(" - ")[0].strip()
        questions.append(f"What did {source} report about {name}?" if source else f"What happened with {name}?")
        if len(questions) == limit:
            break
    return questions
