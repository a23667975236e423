"""Sentence-aware chunking that keeps exact character offsets into the stored article text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from ingest.types import Article, Chunk

Span = tuple[int, int]
TokenCounter = Callable[[Sequence[str]], list[int]]

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "gov", "sen", "rep", "lt", "col", "sgt",
    "capt", "inc", "ltd", "co", "corp", "vs", "etc", "no", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e", "a.m", "p.m",
}
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by whitespace.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")


_LAST_WORD = re.compile(r"([\w.]+)[.!?…]*[\"'”’)\]]*$")
_NEXT_CHAR = re.compile(r"\s*(\S)")
_WORD_WINDOW = 80  # the word before a full stop is looked for this far back, not from the sentence start


def split_sentences(text: str) -> list[Span]:
    """Spans of sentences; line breaks always end a sentence. Whitespace is left outside spans.

    Linear in the text's length: each sentence end looks a bounded window back and one character
    ahead (copying the rest of the text at each end took over 12 minutes for a 19 MB file).
    """
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        cut_from = start
        for match in _END.finditer(line.group(), 0):
            end = line.start() + match.end()
            word = _LAST_WORD.search(text, max(cut_from, end - _WORD_WINDOW), end)
            token = word.group(1).rstrip(".").lower() if word else ""
            if match.group().startswith(".") and (token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())):
                continue
            following = _NEXT_CHAR.match(text, end)
            if following and following.group(1).islower():
                continue
            spans.append((cut_from, end))
            cut_from = end
        spans.append((cut_from, line.end()))
    return [trimmed for span in spans if (trimmed := _trim(text, span))]


def _trim(text: str, span: Span) -> Span | None:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_long(text: str, span: Span, budget: int, count_tokens: TokenCounter) -> list[tuple[Span, int]]:
    """Cut a sentence longer than the budget at word boundaries into pieces that each fit it."""
    words = [(m.start() + span[0], m.end() + span[0]) for m in re.finditer(r"\S+", text[span[0] : span[1]])]
    counts = count_tokens([text[s:e] for s, e in words])  # WordPiece splits at spaces first: counts add up
    out: list[tuple[Span, int]] = []
    start, total = 0, 0
    for i, tokens in enumerate(counts):
        if i > start and total + tokens > budget:
            out.append(((words[start][0], words[i - 1][1]), total))
            start, total = i, 0
        total += tokens
    out.append(((words[start][0], words[-1][1]), total))
    return out


def chunk_spans(text: str, budget: int, overlap: int, count_tokens: TokenCounter) -> list[Span]:
    """Pack whole sentences into chunks of at most ``budget`` tokens.

    Consecutive chunks share trailing sentences worth up to ``overlap`` tokens, so a fact that
    straddles a boundary is whole in one of them.
    """
    sentences = split_sentences(text)
    if not sentences:
        return []
    counts = count_tokens([text[s:e] for s, e in sentences])
    units: list[tuple[Span, int]] = []
    for span, tokens in zip(sentences, counts):
        units.extend(_split_long(text, span, budget, count_tokens) if tokens > budget else [(span, tokens)])

    chunks: list[Span] = []
    current: list[tuple[Span, int]] = []
    total = 0
    for unit in units:
        if current and total + unit[1] > budget:
            chunks.append((current[0][0][0], current[-1][0][1]))
            carried: list[tuple[Span, int]] = []
            carried_tokens = 0
            for prev in reversed(current):
                if carried_tokens + prev[1] > overlap or carried_tokens + prev[1] + unit[1] > budget:
                    break
                carried.insert(0, prev)
                carried_tokens += prev[1]
            current, total = carried, carried_tokens
        current.append(unit)
        total += unit[1]
    chunks.append((current[0][0][0], current[-1][0][1]))
    return chunks


def chunk_id(article: Article, start: int, end: int) -> str:
    """Deterministic and content-addressed: same text and metadata, same id.

    Metadata is part of the id because Chroma ignores an add for an id it already holds, so a
    changed headline or date must arrive under a new id to replace the stored one.
    """
    meta = "\x1f".join((article.title, article.source, article.published_at, article.url, article.path))
    digest = hashlib.sha256(f"{article.doc_id}\x00{start}:{end}\x00{meta}\x00{article.text[start:end]}".encode())
    return digest.hexdigest()[:32]


def chunk_article(article: Article, budget: int, overlap: int, count_tokens: TokenCounter) -> list[Chunk]:
    return [
        Chunk(
            chunk_id=chunk_id(article, s, e),
            doc_id=article.doc_id,
            text=article.text[s:e],
            start=s,
            end=e,
        )
        for s, e in chunk_spans(article.text, budget, overlap, count_tokens)
    ]
