"""Names in questions and answers: the short answer an extractive reply leads with when the
question asks for a name, and the names a text gives that no passage mentions (``unmentioned_names``).

The extractive answerer only quotes. For "Who ...?", "Which ...?" and "What is the name ...?"
questions it also leads with the name its passages agree on, and the name is never invented: it
must be written in at least one of the sentences the answer quotes, and it cites those.

Candidates are the capitalised name phrases of the retrieved passages, less those sharing a word
with a name the question writes (it does not ask for what it states) and the outlets' own names. A
phrase stands for its family: itself and the shorter phrases inside it that end in the same word
("Bankman-Fried" inside "Sam Bankman-Fried"). Families are ranked by how many retrieved articles
mention them, then by mentions, then by length. A "Who" question asks for a person, so only
phrases of two or more words stand for it. Only the top-ranked family is used, and only when at
least two retrieved articles mention it and a quote does: otherwise there is no short answer,
since a single article's name or the runner-up would be a guess.

"Which outlet / source / publication ...?" asks for no name in the text: the answer leads with the
outlets of the articles it quotes (``outlet_answer``), from their metadata.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Literal

from ingest.text import ENGLISH_STOPWORDS
from ingest.types import Passage

NameKind = Literal["person", "name"]

_AUXILIARY = (
    "did|does|do|is|was|are|were|has|have|had|will|would|can|could|should|might|may|must|happened|caused"
)
_ASKS_PERSON = re.compile(r"^\W*who\b", re.I)
_ASKS_OUTLET = re.compile(
    r"^\W*(?:which|what)\s+(?:news\s+|media\s+)?"
    r"(?:outlets?|sources?|publications?|newspapers?|papers?|sites?|websites?|publishers?)\b",
    re.I,
)
_ASKS_NAME = re.compile(
    rf"^\W*(?:which\b|what\s+(?:is|was)\s+the\s+name\b|what\s+(?!(?:{_AUXILIARY})\b)[a-z]+\b)", re.I
)
# Capitalised words that open sentences without naming anything, beyond the function words (which
# do name things mid-sentence: "the All Blacks"), and dates' words, which never do.
_OPENERS = ENGLISH_STOPWORDS | frozenset(
    "however meanwhile yet still also instead unlike using although though despite according".split()
)
_DATE_WORDS = frozenset(
    """january february march april may june july august september october november december monday
    tuesday wednesday thursday friday saturday sunday""".split()
)
_CONNECTORS = frozenset({"of", "de"})
_OPENING = "\"“‘'([{"
_CLOSING = "\"”’'.,;:!?)]}"
_MAX_WORDS = 5


def asks_for_name(question: str) -> NameKind | None:
    """"person" for a Who question, "name" for Which / What-noun / What is the name, else None.

    "What did Hungary commit to?" asks for a fact, not a name: a What followed by a verb is not one.
    "Which outlet ...?" asks for no name in the passages' text either.
    """
    if _ASKS_OUTLET.match(question):
        return None  # the outlet is the cited article's, not a name in its text: ``outlet_answer``
    if _ASKS_PERSON.match(question):
        return "person"
    if _ASKS_NAME.match(question):
        return "name"
    return None


def fold(text: str) -> str:
    """Accents folded, lower case, curly apostrophes straightened, possessive 's and punctuation gone."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return " ".join(re.sub(r"[^\w\s-]", " ", text).split())


def name_phrases(text: str) -> list[str]:
    """Runs of capitalised words ("Sam Bankman-Fried", "Bank of England"), one per mention.

    A run ends at punctuation or a possessive. Trimmed off its ends: connectors, date words, and
    function words or sentence openers (at its start only when it opens a sentence: "All Blacks"
    mid-sentence is a name); leading all-capitals titles before a name ("CEO Caroline Ellison").
    A run is cut to its first five words.
    """
    phrases: list[str] = []
    run: list[str] = []
    run_opens_sentence = False

    def noise(word: str, at_start: bool) -> bool:
        lower = word.lower()
        return lower in _CONNECTORS or lower in _DATE_WORDS or (lower in _OPENERS and at_start)

    def flush() -> None:
        words = run[:_MAX_WORDS]
        while words and noise(words[0], run_opens_sentence):
            words = words[1:]
        while len(words) > 2 and words[0].isupper():
            words = words[1:]
        while words and noise(words[0], False):
            words = words[1:]
        while words and noise(words[-1], True):
            words = words[:-1]
        if words:
            phrases.append(" ".join(words))
        run.clear()

    sentence_start = True
    for raw in text.split():
        if raw[0] in _OPENING:
            flush()
        word = raw.strip(_OPENING + _CLOSING)
        possessive = word.endswith(("’s", "'s"))
        if possessive:
            word = word[:-2]
        if word and word[0].isupper():
            if not run:
                run_opens_sentence = sentence_start
            run.append(word)
        elif word in _CONNECTORS and run:
            run.append(word)
        else:
            flush()
        if possessive or raw[-1] in _CLOSING:
            flush()
        sentence_start = raw.rstrip("\"”’')]}")[-1:] in (".", "!", "?")
    flush()
    return phrases


def _inside(phrase: str, longer: str) -> bool:
    """Whether ``phrase``'s words appear, contiguous, among ``longer``'s."""
    small, large = phrase.split(), longer.split()
    return any(large[i : i + len(small)] == small for i in range(len(large) - len(small) + 1))


def _mentions(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text) is not None


def short_answer(question: str, passages: Sequence[Passage], quotes: Sequence[str]) -> tuple[str, list[int]] | None:
    """The name to lead with and the indices of the quotes that mention it, or None (see the module)."""
    kind = asks_for_name(question)
    if kind is None:
        return None
    asked = {word for phrase in name_phrases(question) for word in fold(phrase).split()}
    outlets = [set(fold(source).split()) for source in sorted({p.source for p in passages if p.source})]
    articles: dict[str, set[str]] = {}
    mentions: Counter[str] = Counter()
    for passage in passages:
        for phrase in name_phrases(passage.text):
            words = fold(phrase).split()
            if not words or asked.intersection(words) or any(outlet.issuperset(words) for outlet in outlets):
                continue
            articles.setdefault(phrase, set()).add(passage.doc_id)
            mentions[phrase] += 1
    if not articles:
        return None
    family = {
        phrase: [other for other in articles if other.split()[-1] == phrase.split()[-1] and _inside(other, phrase)]
        for phrase in articles
    }
    standing = [phrase for phrase in articles if kind != "person" or len(phrase.split()) >= 2]
    if not standing:
        return None

    def articles_of(phrase: str) -> set[str]:
        return set().union(*(articles[member] for member in family[phrase]))

    def rank(phrase: str) -> tuple[int, int, int, int, str]:
        return (-len(articles_of(phrase)), -sum(mentions[member] for member in family[phrase]),
                -len(phrase.split()), -len(phrase), phrase)

    best = min(standing, key=rank)
    if len(articles_of(best)) < 2:
        return None  # one article's name is no agreement: "Who testified against X?" got its judge
    citing = [i for i, quote in enumerate(quotes) if any(_mentions(quote, member) for member in family[best])]
    return (best, citing) if citing else None


def outlet_answer(question: str, sources: Sequence[str]) -> tuple[str, list[int]] | None:
    """For "Which outlet / source / publication ...?": the outlets of the quoted articles, in order.

    ``sources[i]`` is the outlet of quote ``i``; the answer cites every quote that has one. The
    outlet comes from the article's metadata, so it needs no sentence to write it.
    """
    if not _ASKS_OUTLET.match(question):
        return None
    named = list(dict.fromkeys(source for source in sources if source))
    if not named:
        return None
    text = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return text, [i for i, source in enumerate(sources) if source]


def unmentioned_names(question: str, passages: Sequence[Passage], every_word: bool = False) -> list[str]:
    """Names the question gives that no passage mentions ("Satya Nadella", "The New York Times").

    An answer quoted from such passages is about something near the question, not the thing it
    names, so the reply says so. Counted: names of two or more words, and single words written
    like names inside the question ("CNET", "TikTok"; not a capitalised sentence opener such as
    "Considering"). Mentioned: the whole name, or two adjacent content words of it ("Palo Alto" of
    "Palo Alto Networks"), in any passage's text, headline or outlet (any case); or a longer name's
    last word capitalised in a passage's text ("Bankman-Fried" for "Sam Bankman-Fried").
    ``every_word`` counts every capitalised word that does not open the text ("Apple"), for
    checking what a generated sentence names against the passages it cites.
    """
    haystack = " ".join(" ".join(f"{p.title} {p.source} {p.text}" for p in passages).lower().split())
    texts = " ".join(p.text for p in passages)
    missing = []
    for name in dict.fromkeys(name_phrases(question)):
        words = name.split()
        if len(words) == 1 and (question.startswith(name) or not (every_word or any(c.isupper() for c in name[1:]))):
            continue
        lowered = name.lower().split()
        pairs = [f"{a} {b}" for a, b in zip(lowered, lowered[1:]) if a not in ENGLISH_STOPWORDS and b not in ENGLISH_STOPWORDS]
        if " ".join(lowered) in haystack or any(pair in haystack for pair in pairs):
            continue
        if len(words) > 1 and re.search(r"(?<![\w-])" + re.escape(words[-1]) + r"(?![\w-])", texts):
            continue
        missing.append(name)
    return missing
