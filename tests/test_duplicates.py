"""Near-duplicates: one story under several URLs and outlets is stored once, with its other copies
recorded on it (``ingest.duplicates``), shown by `list` and on the answer's source card."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.render import citation_card
from assistant.types import Citation
from conftest import cli_json, make_newsdesk, run_cli
from ingest.duplicates import jaccard, same_headline, shingles
from ingest.manifest import Copy

STORY = (
    "The harbour board of Valmora voted on Thursday to close the old grain quay for two years while engineers rebuild "
    "its sea wall. Storms last winter undermined the wall in three places, and divers found cracks wide enough to put a "
    "hand through. The board's chair, Ilse Maren, said the quay had carried grain ships since 1911 and would carry them "
    "again once the work was done. Ships will berth at the container terminal across the bay in the meantime, which adds "
    "about forty minutes to each crossing for the barges that carry grain upriver. Dock workers asked the board to keep "
    "the quay's crane drivers on the payroll, and the board agreed to move them to the terminal. The rebuild will cost "
    "eighty-four million euros, two thirds of it paid by the national ports fund. A first contractor pulled out in "
    "March after its bid was found to leave out the cost of dredging. Residents of the old town welcomed the decision "
    "but asked for the noise of pile driving to stop at six in the evening. The board promised to publish a timetable "
    "for the works in September and to hold a public meeting before the first pile is driven."
)
COPY = STORY + " A spokesman for the terminal said it was ready for the extra ships."
OTHER = (
    "The Valmora city orchestra will tour four cities in the north this autumn, its first tour since the concert hall "
    "burned down. The orchestra has rehearsed in a school gym for two years while the hall is rebuilt. Its conductor, "
    "Teodor Kalle, said the tour would open with a symphony written for the reopening of the hall. Tickets go on sale "
    "next week, with seats held back for students at half price in every city on the tour."
)


def jsonl(path, *records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def record(url, source, title="Valmora closes its grain quay for two years", body=STORY):
    return {"url": url, "source": source, "title": title, "body": body, "published_at": "2024-05-02"}


def test_trigram_similarity_and_headlines():
    assert jaccard(shingles(STORY), shingles(COPY)) >= 0.9 > jaccard(shingles(STORY), shingles(OTHER))
    assert same_headline("Valmora closes its grain quay | Harbour News", "Valmora to close grain quay for two years")
    assert not same_headline("Who is to blame for the looming crisis? | The Week", "Can the mayor save Christmas? | The Week")


def test_a_near_duplicate_is_folded_into_the_stored_story_with_its_url_and_outlet(tmp_path):
    home = tmp_path / "home"
    nd = make_newsdesk(home)
    first = nd.ingest([jsonl(tmp_path / "a.jsonl", record("https://harbour.example/quay", "Harbour News"))])
    assert first.folded == 0 and len(first.added) == 1
    copies = jsonl(tmp_path / "b.jsonl",
                   record("https://wire.example/valmora-quay", "Coast Wire", title="Valmora to close grain quay", body=COPY),
                   record("https://harbour.example/orchestra", "Harbour News", title="Orchestra tours the north", body=OTHER),
                   # the same scraped text under another story's headline is not that story
                   record("https://harbour.example/ferries", "Harbour News", title="Ferry fares rise in June"))
    report = nd.ingest([copies])
    assert report.folded == 1 and [a.title for a in report.added] == ["Orchestra tours the north", "Ferry fares rise in June"]
    assert "1 near-duplicate folded into existing stories" in report.summary_line()
    assert nd.also_published(["https://harbour.example/quay"]) == {
        "https://harbour.example/quay": (Copy("Coast Wire", "https://wire.example/valmora-quay"),)}
    assert nd.manifest.known("https://wire.example/valmora-quay") is None  # stored once

    again = make_newsdesk(home).ingest([copies])  # read again, by another process: the index persists
    assert (again.folded, again.unchanged, again.chunks_added) == (0, 3, 0)
    assert len(make_newsdesk(home).manifest.copies()["https://harbour.example/quay"]) == 1

    code, listed, _ = cli_json("list", home=home)
    quay = next(e for e in listed if e["doc_id"] == "https://harbour.example/quay")
    assert quay["also"] == [{"source": "Coast Wire", "url": "https://wire.example/valmora-quay"}]
    text = run_cli("list", home=home, check=True).stdout
    assert "· also: Coast Wire, https://wire.example/valmora-quay" in text

    asked = run_cli("ask", "How long will the Valmora grain quay close?", home=home, check=True).stdout
    assert "also published: Coast Wire, https://wire.example/valmora-quay" in asked
    code, answer, _ = cli_json("ask", "How long will the Valmora grain quay close?", home=home)
    assert {"source": "Coast Wire", "url": "https://wire.example/valmora-quay"} in answer["citations"][0]["also"]


def test_a_changed_version_of_the_same_url_replaces_it_and_removal_takes_its_copies(tmp_path):
    home = tmp_path / "home"
    nd = make_newsdesk(home)
    nd.ingest([jsonl(tmp_path / "a.jsonl", record("https://harbour.example/quay", "Harbour News"))])
    nd.ingest([jsonl(tmp_path / "b.jsonl", record("https://wire.example/quay", "Coast Wire", body=COPY))])
    changed = nd.ingest([jsonl(tmp_path / "a.jsonl", record("https://harbour.example/quay", "Harbour News", body=COPY))])
    assert (changed.folded, changed.unchanged, changed.added) == (0, 0, [])  # same id: replaced, as ever
    assert changed.chunks_added >= 1
    assert nd.manifest.article("https://harbour.example/quay").text == COPY

    assert nd.remove("https://harbour.example/quay") >= 1
    assert nd.manifest.copies() == {}
    rows = nd.manifest.db.execute("SELECT COUNT(*) FROM near_dup_docs WHERE doc_id = 'https://harbour.example/quay'")
    assert rows.fetchone()[0] == 0
    alone = nd.ingest([tmp_path / "b.jsonl"])  # the copy is a story of its own now
    assert alone.folded == 0 and nd.manifest.known("https://wire.example/quay") is not None


def test_a_manifest_from_before_the_index_gets_its_bands_on_the_next_ingest(tmp_path):
    home = tmp_path / "home"
    nd = make_newsdesk(home)
    nd.ingest([jsonl(tmp_path / "a.jsonl", record("https://harbour.example/quay", "Harbour News"))])
    db = nd.manifest.db  # as an older Newsdesk left it: no bands, no scheme
    db.executescript("DELETE FROM near_dup_bands; DELETE FROM near_dup_docs; DELETE FROM meta WHERE key = 'near_dup_scheme';")
    report = nd.ingest([jsonl(tmp_path / "b.jsonl", record("https://wire.example/quay", "Coast Wire", body=COPY))])
    assert report.folded == 1


def test_the_source_card_says_where_else_the_story_was_published():
    citation = Citation(1, "https://harbour.example/quay", "Valmora closes its grain quay", "Harbour News", "2024-05-02",
                        "https://harbour.example/quay", "Storms last winter undermined the wall", 0, 38)
    card = citation_card(citation, None, 0, (Copy("Coast Wire", "https://wire.example/q"), Copy("<b>Bay</b> Post", "x"),
                                              Copy("Harbour News", "https://harbour.example/amp/quay")))
    assert "Also published by Coast Wire, &lt;b&gt;Bay&lt;/b&gt; Post, https://harbour.example/amp/quay" in card
    assert "Also published" not in citation_card(citation, None, 0)


def test_a_copy_of_the_story_still_being_embedded_is_folded(tmp_path):
    """One article a flush group: the story is being embedded in the background (not yet in the
    manifest) while its copy is read; the copy is still folded into it."""
    nd = make_newsdesk(tmp_path / "home", flush_chunks=1)
    report = nd.ingest([jsonl(tmp_path / "a.jsonl",
                              record("https://harbour.example/orchestra", "Harbour News", title="Orchestra tours the north", body=OTHER),
                              record("https://harbour.example/quay", "Harbour News"),
                              record("https://wire.example/valmora-quay", "Coast Wire", title="Valmora to close grain quay", body=COPY))])
    assert report.folded == 1 and len(report.added) == 2
    assert nd.also_published(["https://harbour.example/quay"]) == {
        "https://harbour.example/quay": (Copy("Coast Wire", "https://wire.example/valmora-quay"),)}
