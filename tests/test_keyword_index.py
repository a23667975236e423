"""The FTS5 keyword index: incremental adds, changes, deletes, restarts, filters, reconciling."""

from __future__ import annotations

from ingest.types import Article, Chunk, Filters
from ingest.keyword_index import KeywordIndex, query_terms


def article(doc_id: str, text: str, source: str = "The Verge", published_at: str = "2023-10-05T10:00:00+00:00") -> Article:
    return Article(doc_id=doc_id, title=f"Title of {doc_id}", text=text, source=source, published_at=published_at, url=doc_id)


def put(index: KeywordIndex, *articles: Article) -> None:
    chunks = [Chunk(f"{a.doc_id}#0", a.doc_id, a.text, 0, len(a.text)) for a in articles]
    index.upsert(chunks, {a.doc_id: a for a in articles})


def ids(passages) -> list[str]:
    return [p.doc_id for p in passages]


def test_add_change_delete_and_restart(tmp_path):
    path = tmp_path / "keywords.sqlite3"
    index = KeywordIndex(path)
    put(index, article("a", "Regulators fined the exchange for market manipulation."),
        article("b", "The striker scored twice in the derby."))
    assert ids(index.search("exchange manipulation fine", 5)) == ["a"]
    assert index.count() == 2

    put(index, article("a", "Volcanic eruption grounds flights across Iceland."))  # same id: replaced
    assert index.search("exchange manipulation", 5) == []
    hit = index.search("volcanic flights", 5)
    assert ids(hit) == ["a"] and hit[0].text.startswith("Volcanic") and hit[0].end == len(hit[0].text)
    assert index.count() == 2

    index.delete(["b#0"])
    assert index.search("striker derby", 5) == [] and index.count() == 1
    index.close()

    reopened = KeywordIndex(path)
    assert reopened.count() == 1 and ids(reopened.search("eruption", 5)) == ["a"]
    assert reopened.all_ids() == {"a#0"}


def test_filters_on_outlet_and_dates(tmp_path):
    index = KeywordIndex(tmp_path / "k.sqlite3")
    put(index,
        article("v1", "Apple unveils a new chip.", "The Verge", "2023-10-01T08:00:00+00:00"),
        article("t1", "Apple chip benchmarks leak.", "TechCrunch", "2023-10-20T08:00:00+00:00"),
        article("t2", "Apple chip shortage ends.", "TechCrunch", "2023-11-02T08:00:00+00:00"))
    assert set(ids(index.search("apple chip", 10))) == {"v1", "t1", "t2"}
    assert set(ids(index.search("apple chip", 10, Filters(sources=("TechCrunch",))))) == {"t1", "t2"}
    assert ids(index.search("apple chip", 10, Filters(since="2023-10-15", until="2023-10-31"))) == ["t1"]
    assert ids(index.search("apple chip", 10, Filters(sources=("The Verge",), since="2023-10-02"))) == []
    stats = index.stats()
    assert set(stats.sources) == {"The Verge", "TechCrunch"} and (stats.first_day, stats.last_day) == (20231001, 20231102)
    put(index, article("w1", "Wired reviews the chip.", "Wired", "2023-12-01T08:00:00+00:00"))
    assert "Wired" in index.stats().sources and index.stats().last_day == 20231201  # the cache follows writes


def test_query_terms_drop_stopwords_and_punctuation():
    terms = query_terms("Did the 'Verge' report that Google's AI (Gemini) was fake?")
    assert terms == ["verge", "google", "ai", "gemini", "fake"]
    assert query_terms("the of and") == []


def test_question_text_cannot_inject_fts5_syntax(tmp_path):
    index = KeywordIndex(tmp_path / "k.sqlite3")
    put(index, article("a", "Some text about NEAR things and stars."))
    assert index.search("the and of", 5) == []
    assert ids(index.search('NEAR("stars" ) OR * AND -', 5)) == ["a"]


def test_ingest_and_remove_keep_the_index_in_step_with_chroma(tmp_path):
    from conftest import make_newsdesk

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "one.txt").write_text("Volcano erupts in Iceland\n\nThe eruption grounded flights across Iceland on Monday.")
    (folder / "two.txt").write_text("Striker scores twice\n\nThe striker scored twice in the derby on Sunday.")
    home = tmp_path / "home"
    nd = make_newsdesk(home)
    nd.ingest([folder])
    assert nd.keywords.all_ids() == nd.store.all_ids() and nd.keywords.count() == 2

    (folder / "one.txt").write_text("Volcano calms in Iceland\n\nAirlines resumed flights after the volcano calmed.")
    nd.ingest([folder])
    assert nd.keywords.all_ids() == nd.store.all_ids()
    assert ids(nd.keywords.search("airlines resumed", 5)) == ["one.txt"]
    assert nd.keywords.search("grounded eruption", 5) == []

    nd.remove("two.txt")
    assert nd.keywords.all_ids() == nd.store.all_ids() and nd.keywords.count() == 1

    restarted = make_newsdesk(home)  # a new process sees the same index
    assert ids(restarted.keywords.search("airlines", 5)) == ["one.txt"]


def test_reconcile_rebuilds_a_missing_index_from_chroma(tmp_path, seed_home):
    import shutil

    from conftest import make_newsdesk

    home = tmp_path / "copy"
    shutil.copytree(seed_home, home)
    (home / "keywords.sqlite3").unlink()
    for extra in home.glob("keywords.sqlite3-*"):
        extra.unlink()
    nd = make_newsdesk(home)
    assert nd.keywords.all_ids() == nd.store.all_ids() != set()
    hit = nd.keywords.search("Hungary veto", 3)[0]
    article = nd.manifest.article(hit.doc_id)
    assert article.text[hit.start:hit.end] == hit.text


def test_the_full_text_check_leaves_no_transaction_open(tmp_path):
    """The FTS5 integrity-check is an INSERT: left uncommitted, it held the write lock and an ingest in
    another process failed with "database is locked" after status ran in a long-lived process."""
    import sqlite3

    path = tmp_path / "keywords.sqlite3"
    index = KeywordIndex(path)
    put(index, article("a", "Regulators fined the exchange for market manipulation."))
    assert index.full_text_intact()
    other = sqlite3.connect(path, timeout=0)
    other.execute("DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks)")  # writes at once, no lock wait
    other.commit()
    assert not index.full_text_intact()
    other.execute("BEGIN IMMEDIATE")  # and again after a failed check
    other.rollback()
    index.rebuild_full_text()
    assert index.full_text_intact() and ids(index.search("exchange manipulation", 5)) == ["a"]
