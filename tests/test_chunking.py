"""Sentence splitting and chunk packing: offsets are exact, budgets respected, ids deterministic."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.types import Article
from ingest.chunking import chunk_article, chunk_spans, split_sentences


def words(texts):
    return [len(t.split()) for t in texts]


def test_split_sentences_keeps_abbreviations_and_quotes():
    text = 'Mr. Smith met U.S. officials on Jan. 5. "We agreed," he said. Then he left!\nNew paragraph here'
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences == [
        "Mr. Smith met U.S. officials on Jan. 5.",
        '"We agreed," he said.',
        "Then he left!",
        "New paragraph here",
    ]


def test_split_sentences_of_blank_text_is_empty():
    assert split_sentences("") == []
    assert split_sentences(" \n\n  ") == []


def test_chunks_respect_budget_and_overlap():
    text = " ".join(f"Sentence number {i} has five words." for i in range(40))
    spans = chunk_spans(text, budget=24, overlap=7, count_tokens=words)
    assert len(spans) > 5
    for start, end in spans:
        assert len(text[start:end].split()) <= 24
    # consecutive chunks share a trailing sentence (overlap) and cover the whole text
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    for (_, prev_end), (next_start, _) in zip(spans, spans[1:]):
        assert next_start < prev_end


def test_overlong_sentence_is_cut_at_word_boundaries():
    text = " ".join(["word"] * 100) + "."
    spans = chunk_spans(text, budget=30, overlap=0, count_tokens=words)
    assert all(len(text[s:e].split()) <= 30 for s, e in spans)
    assert " ".join(text[s:e] for s, e in spans) == text


def test_chunk_ids_are_deterministic_and_content_addressed():
    article = Article(doc_id="a.txt", title="T", text="One sentence here. Another one there.")
    first = chunk_article(article, 50, 10, words)
    assert first == chunk_article(article, 50, 10, words)
    changed = Article(doc_id="a.txt", title="T", text="One sentence here. Another one elsewhere.")
    assert chunk_article(changed, 50, 10, words)[0].chunk_id != first[0].chunk_id


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600), st.integers(8, 60), st.integers(0, 10))
def test_every_chunk_is_an_exact_slice(text, budget, overlap):
    article = Article(doc_id="x", title="", text=text)
    chunks = chunk_article(article, budget, overlap, words)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
    covered = "".join(ch for ch in text if not ch.isspace())
    if covered:
        assert chunks, "non-blank text must give at least one chunk"
        joined = "".join(c.text for c in chunks)
        assert all(ch in joined for ch in set(covered))


def test_a_very_long_line_is_chunked_to_the_model_budget_with_the_real_tokenizer(tmp_path):
    """Token counts for chunking are not truncated at the model's 256: a 2,000-word line without a
    sentence end used to count as 256 tokens and became two pieces of 1,000 words."""
    from conftest import make_newsdesk
    from ingest.pipeline import count_tokens

    line = " ".join(f"crater{i} rim" for i in range(1000))
    assert count_tokens([line])[0] > 2000
    article = tmp_path / "one-line.txt"
    article.write_text("Xylophar crater mapped\n\n" + line + "\n")
    desk = make_newsdesk(tmp_path / "home")
    report = desk.ingest([article])
    assert not report.failed and report.chunks_added >= 8
    budget = desk.settings.chunk_tokens
    stored = desk.manifest.article("one-line.txt").text
    for passage in desk.retrieve("crater500", k=20):
        assert count_tokens([passage.text])[0] <= budget and stored[passage.start:passage.end] == passage.text
