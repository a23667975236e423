"""The main path: ingest, re-ingest, ask, with exact citations and refusals (seed article; the mhrag-lite archive)."""

from __future__ import annotations

import json

import pytest

from assistant.app import is_follow_up, with_topic
from conftest import HUNGARY_SENTENCE, SEED_FILE, cli_json, make_newsdesk, run_cli


def test_hungary_answer_cites_the_exact_passage(seed_desk):
    answer = seed_desk.ask("What did Hungary commit to?")
    assert not answer.refused
    assert "promised not to veto the proposal" in answer.text
    assert answer.citations, "the answer must carry a citation"
    first = answer.citations[0]
    assert first.quote == HUNGARY_SENTENCE
    stored = seed_desk.manifest.article(first.doc_id)
    assert stored is not None and stored.text[first.start : first.end] == first.quote
    assert "[1]" in answer.text
    assert first.title == "NATO Approves Training Security And Support Assistance For Ukraine"
    assert first.published_at == "2024-06-14"


def test_reingest_adds_nothing_and_embeds_nothing(tmp_path):
    desk = make_newsdesk(tmp_path / "home")
    first = desk.ingest([SEED_FILE])
    assert first.chunks_added >= 2 and first.embedded == first.chunks_added
    chunks_before = desk.store.count()
    again = desk.ingest([SEED_FILE])
    assert (again.chunks_added, again.chunks_removed, again.embedded, again.unchanged) == (0, 0, 0, 1)
    assert desk.store.count() == chunks_before


def test_changed_content_replaces_old_chunks(tmp_path):
    article = tmp_path / "story.txt"
    article.write_text("Port strike ends\n\nDock workers in Rotterdam ended a three-day strike on Monday.\n")
    desk = make_newsdesk(tmp_path / "home")
    desk.ingest([article])
    article.write_text("Port strike ends\n\nDock workers in Antwerp ended a five-day strike on Tuesday.\n")
    report = desk.ingest([article])
    assert report.chunks_added == 1 and report.chunks_removed == 1
    assert desk.store.count() == 1
    answer = desk.ask("Where did dock workers end a strike?")
    assert "Antwerp" in answer.text and "Rotterdam" not in answer.text


def test_cli_ask_json_shape_and_offsets(tmp_path):
    home = tmp_path / "home"
    run_cli("ingest", str(SEED_FILE), home=home, check=True)
    code, data, _ = cli_json("ask", "What did Hungary commit to?", "-k", "3", home=home)
    assert code == 0
    assert set(data) >= {"question", "answer", "refused", "answerer", "citations", "passages"}
    assert data["answerer"] == "extractive" and data["refused"] is False
    assert len(data["passages"]) <= 3
    scores = [p["score"] for p in data["passages"]]
    assert scores == sorted(scores, reverse=True)
    citation = data["citations"][0]
    assert set(citation) == {"n", "doc_id", "title", "source", "published_at", "url", "path", "field", "quote", "start", "end", "also"}
    assert citation["field"] == "text"
    text = make_newsdesk(home).manifest.article(citation["doc_id"]).text
    assert text[citation["start"] : citation["end"]] == citation["quote"] == HUNGARY_SENTENCE


def test_cli_ingest_json_report(tmp_path):
    home = tmp_path / "home"
    code, data, _ = cli_json("ingest", str(SEED_FILE), home=home)
    assert code == 0
    assert data["files"] == 1 and data["documents"] == 1 and data["chunks_added"] >= 2 and data["failed"] == []
    code, again, _ = cli_json("ingest", str(SEED_FILE), home=home)
    assert code == 0 and again["chunks_added"] == 0 and again["unchanged"] == 1 and again["embedded"] == 0


def test_unanswerable_question_is_refused(seed_desk):
    answer = seed_desk.ask("Who won the 2022 FIFA World Cup final?")
    assert answer.refused
    assert answer.text.startswith("The archive does not say")
    assert answer.citations == []


@pytest.mark.slow
def test_off_archive_questions_sharing_one_word_with_it_are_refused(mhrag_home):
    desk = make_newsdesk(mhrag_home, answerer="extractive")
    # each shares one word with some article ("France", "light") and passed the gate on it once
    for question in ("What is the capital of France?", "What is the speed of light?"):
        answer = desk.ask(question)
        assert answer.refused and answer.citations == [], question
    answer = desk.ask("What is Beeper Mini?")
    assert not answer.refused and all("Beeper" in c.title for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "follows"),
    [
        ("when did his trial start?", True),  # a pronoun
        ("and why did its prime minister refuse?", True),
        ("What about Poland?", True),  # an elliptic opener, though it names a country
        ("why?", True),  # short, names nothing
        ("Who is Sam Bankman-Fried?", False),  # short, but names its subject
        ("Who won the 2022 FIFA World Cup final?", False),
        ("What did the defence ministers in Brussels approve for the training of Ukrainian soldiers?", False),
        ("What did his lawyers say about Caroline Ellison?", True),  # the pronoun comes before any name
        ("Did TechCrunch report that Google paid Apple for its default search status?", False),  # its: Google's
        ("Is there news about Tesla?", False),  # an existential "there"
        ("What happened there?", True),
    ],
)
def test_is_follow_up(question, follows):
    assert is_follow_up(question) is follows


def test_with_topic_puts_the_topic_question_after_a_follow_up_without_growing():
    history = [("Who is Sam Bankman-Fried?", "…"), ("what was he convicted of?", "…")]
    assert with_topic("when did his trial start?", history) == "when did his trial start? Who is Sam Bankman-Fried?"
    assert with_topic("What did Hungary commit to?", history) == "What did Hungary commit to?"
    assert with_topic("why?", []) == "why?"
    assert with_topic("why?", [("and then?", "…")]) == "why? and then?"  # every turn a follow-up: the first


def test_follow_up_without_a_model_uses_the_topic_and_a_new_question_does_not(seed_desk):
    history = [("What did Hungary commit to?", "Hungary promised not to veto the proposal [1].")]
    answer = seed_desk.ask("and why did its prime minister refuse?", history)
    assert not answer.refused and "Orban" in answer.citations[0].quote
    # a new question is not glued to the last one: the archive does not hold its answer
    assert seed_desk.ask("Who won the 2022 FIFA World Cup final?", history).refused


def test_settings_precedence(tmp_path, monkeypatch):
    from assistant.settings import load_settings

    (tmp_path / "newsdesk.toml").write_text('top_k = 7\nhome = "from-file"\nport = 9000\n')
    monkeypatch.setenv("NEWSDESK_HOME", "from-env")
    settings = load_settings(port=9100)
    assert settings.top_k == 7  # file beats default
    assert str(settings.home) == "from-env"  # env beats file
    assert settings.port == 9100  # flag beats everything
    assert settings.host == "127.0.0.1"  # default binding is loopback


def test_status_reports_the_archive(seed_home):
    code, data, _ = cli_json("status", home=seed_home)
    assert code == 0
    assert data["documents"] == 1 and data["chunks"] >= 2 and data["problems"] == []
    assert data["published_at_min"] == data["published_at_max"] == "2024-06-14"
    assert (data["embedding_model"], data["embedding_dimensions"]) == ("all-MiniLM-L6-v2-int8", 384)
    json.dumps(data)


def test_changed_headline_reaches_the_store(tmp_path):
    article = tmp_path / "story.txt"
    article.write_text("Old headline\n\nDock workers in Rotterdam ended a three-day strike on Monday.\n")
    desk = make_newsdesk(tmp_path / "home")
    desk.ingest([article])
    article.write_text("New headline\n\nDock workers in Rotterdam ended a three-day strike on Monday.\n")
    report = desk.ingest([article])
    assert (report.chunks_added, report.chunks_removed) == (1, 1)
    (passage,) = desk.retrieve("Rotterdam strike", k=1)
    assert passage.title == "New headline"


def test_a_different_article_under_a_taken_file_name_is_added_not_swapped_in(tmp_path):
    """Ids made from file names are not identities: two uploads (or folders) may both hold
    ``article.txt``. A second one with another headline must not delete the first."""
    first, second, edited = (tmp_path / d / "article.txt" for d in ("a", "b", "c"))
    for path, text in ((first, "Dam passes inspection\n\nThe Brackenridge dam passed its yearly inspection on Monday.\n"),
                       (second, "Marathon record falls\n\nThe Tollbury marathon was won in a course record on Sunday.\n"),
                       (edited, "Dam passes inspection\n\nThe Brackenridge dam passed its yearly inspection on Tuesday.\n")):
        path.parent.mkdir()
        path.write_text(text)
    desk = make_newsdesk(tmp_path / "home")
    desk.ingest([first])
    report = desk.ingest([second])
    assert (report.chunks_added, report.chunks_removed, report.failed) == (1, 0, [])
    assert desk.manifest.doc_ids() == ["article.txt", "article.txt (2)"]
    assert "Brackenridge" in desk.ask("Did the Brackenridge dam pass its inspection?").text
    assert "Tollbury" in desk.ask("Who won the Tollbury marathon?").text
    # the same headline from elsewhere is a new version of that article: it replaces it
    report = desk.ingest([edited])
    assert (report.chunks_added, report.chunks_removed) == (1, 1)
    assert desk.manifest.article("article.txt").text.endswith("on Tuesday.")
    assert desk.manifest.origin("article.txt (2)")[0] == "Marathon record falls"
    # one batch holding both: each keeps its own id, and ingesting it again changes nothing
    both = desk.ingest([second, edited])
    assert (both.unchanged, both.failed) == (2, [])


def test_filters_that_match_no_article_say_so_instead_of_the_archive_lacking_the_answer(seed_desk, seed_home):
    from ingest.types import Filters

    answer = seed_desk.ask("What did Hungary commit to?", filters=Filters((), "2020-01-01", "2020-02-01"))
    assert answer.refused and not answer.citations
    assert answer.text.startswith("No article in the archive matches the filters (from 2020-01-01; until 2020-02-01)")
    # filters that do match articles keep the usual answer
    assert not seed_desk.ask("What did Hungary commit to?", filters=Filters((), "2024-06-01", None)).refused
    proc = run_cli("ask", "What did Hungary commit to?", "--until", "2023-12-31", home=seed_home)
    assert proc.returncode == 0 and "matches the filters (until 2023-12-31)" in proc.stdout


def test_one_file_is_one_document_whichever_folder_it_came_through(tmp_path):
    folder = tmp_path / "coll"
    (folder / "a").mkdir(parents=True)
    notes = folder / "a" / "notes.txt"
    notes.write_text("Dam passes inspection\n\nThe Brackenridge dam passed its yearly inspection on Monday.\n")
    desk = make_newsdesk(tmp_path / "home")
    desk.ingest([notes])  # id "notes.txt"
    again = desk.ingest([folder])  # would be "a/notes.txt"
    assert (again.unchanged, again.chunks_added) == (1, 0)
    assert desk.manifest.doc_ids() == ["notes.txt"]
    assert desk.manifest.article("notes.txt").path == str(notes.resolve())


def test_an_article_without_a_link_has_a_null_url_and_its_file_as_path(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("Dam passes inspection\n\nThe Brackenridge dam passed its yearly inspection on Monday.\n")
    run_cli("ingest", str(story), home=tmp_path / "home", check=True)
    code, data, _ = cli_json("ask", "Which dam passed its inspection?", home=tmp_path / "home")
    assert code == 0 and data["citations"][0]["url"] is None and data["citations"][0]["path"] == str(story.resolve())


def test_undated_articles_fall_within_no_date_range(tmp_path):
    """A date filter asks for articles published in a span: an article with no date is in none of them
    (it used to pass every --until and fail every --since)."""
    from ingest.types import Filters

    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "undated.txt").write_text("Harbour bridge approved\n\nThe Zorblat council approved a new harbour bridge.\n")
    (folder / "dated.json").write_text(json.dumps({
        "title": "Solar farm opens", "published_at": "2024-01-10", "source": "Glimmer Times",
        "body": "Glimmerton opened a 50 megawatt solar farm on Wednesday.",
    }))
    desk = make_newsdesk(tmp_path / "home")
    desk.ingest([folder])
    for name in ("news", "hybrid", "bm25", "dense"):
        desk.settings.retriever = name
        desk.__dict__.pop("retriever", None)
        for filters in (Filters((), None, "2030-01-01"), Filters((), "1990-01-01", None), Filters((), "1990-01-01", "2030-01-01")):
            found = {p.doc_id for p in desk.retrieve("Zorblat harbour bridge council solar farm", filters=filters)}
            assert found == {"dated.json"}, (name, filters)
    assert {p.doc_id for p in desk.retrieve("Zorblat harbour bridge")} >= {"undated.txt"}


def test_a_refusal_within_filters_names_them(tmp_path):
    """The answer may be outside the filters: the reply must not say the archive lacks it."""
    from ingest.types import Filters

    desk = make_newsdesk(tmp_path / "home")
    desk.ingest([SEED_FILE])
    answer = desk.ask("Who won the 2022 FIFA World Cup final?", filters=Filters((), "2024-01-01", None))
    assert answer.refused and answer.text.startswith("None of the articles within the filters (from 2024-01-01) answers")
    assert "archive does not say" not in answer.text
    assert desk.ask("Who won the 2022 FIFA World Cup final?").text.startswith("The archive does not say")


def test_ingest_progress_follows_the_embedding(tmp_path):
    """One big file used to read 1/1 files done before any embedding began: progress now counts
    chunks embedded of those to embed, batch by batch."""
    articles = tmp_path / "many.jsonl"
    articles.write_text("".join(json.dumps({"title": f"Story {i}", "body": f"The council of town {i} met on Monday."}) + "\n"
                                for i in range(20)))
    seen = []
    desk = make_newsdesk(tmp_path / "home")
    report = desk.ingest([articles], lambda state: seen.append((state.files_read, state.chunks_embedded, state.chunks_to_embed)))
    embedded = [e for _, e, _ in seen]
    assert embedded == sorted(embedded) and seen[-1] == (1, 20, 20) and report.embedded == 20
    assert any(files == 1 and 0 < e < total for files, e, total in seen), seen  # shown while embedding


def test_list_shows_each_document_with_the_id_remove_takes(tmp_path):
    home = tmp_path / "home"
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "feed.jsonl").write_text(
        json.dumps({"title": "Solar farm opens", "published_at": "2024-01-10T09:00:00+00:00", "source": "Glimmer Times",
                    "body": "Glimmerton opened a solar farm."}) + "\n"
        + json.dumps({"title": "Bridge approved", "source": "Valley Post", "body": "The council approved a bridge."}) + "\n")
    run_cli("ingest", str(folder), str(SEED_FILE), home=home, check=True)
    code, listed, _ = cli_json("list", home=home)
    assert code == 0
    assert [(e["published_at"], e["source"], e["title"]) for e in listed] == [
        ("2024-06-14", "", "NATO Approves Training Security And Support Assistance For Ukraine"),
        ("2024-01-10", "Glimmer Times", "Solar farm opens"),
        ("", "Valley Post", "Bridge approved"),  # undated last
    ]
    assert all(e["chunks"] >= 1 for e in listed)
    code, status, _ = cli_json("status", home=home)  # days, whatever form the articles gave them in
    assert (status["published_at_min"], status["published_at_max"]) == ("2024-01-10", "2024-06-14")
    code, glimmer, _ = cli_json("list", "--source", "glimmer times", home=home)
    assert [e["title"] for e in glimmer] == ["Solar farm opens"]
    run_cli("remove", glimmer[0]["doc_id"], home=home, check=True)
    code, after, _ = cli_json("list", home=home)
    assert len(after) == 2 and glimmer[0]["doc_id"] not in {e["doc_id"] for e in after}
    proc = run_cli("list", home=home)
    assert proc.returncode == 0 and "Bridge approved" in proc.stdout and "2 documents" in proc.stdout


def test_documents_whose_file_is_gone_or_no_longer_holds_them_are_stale_and_pruned_on_request(tmp_path):
    """Taking a line out of a JSONL without URLs shifted the later ids and left the last one stored
    twice; renamed and deleted files stayed searchable without a word. They are reported as stale
    (kept: a feed file that keeps only recent items must not empty the archive) and --prune removes them."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    lines = [json.dumps({"title": f"Story {name}", "body": f"The {name} council met on Monday."}) + "\n"
             for name in ("Ghent", "Porto", "Cork")]
    (folder / "list.jsonl").write_text("".join(lines))
    (folder / "b.txt").write_text("Bridge story\n\nThe Lyon bridge reopened.\n")
    (folder / "sub" / "c.md").write_text("Canal story\n\nThe Bari canal was dredged.\n")
    (folder / "keep.json").write_text(json.dumps({"title": "Kept", "body": "The Aarhus museum reopened."}))
    home = tmp_path / "home"
    run_cli("ingest", str(folder), home=home, check=True)
    (folder / "list.jsonl").write_text(lines[0] + lines[2])
    (folder / "b.txt").rename(folder / "b2.txt")
    (folder / "sub" / "c.md").unlink()
    (folder / "keep.json").write_text("{broken")  # a file that fails to load says nothing about its documents
    code, report, _ = cli_json("ingest", str(folder), str(tmp_path / "typo"), home=home)
    assert code == 1 and not report["pruned"]
    assert sorted((s["doc_id"], s["reason"]) for s in report["stale"]) == [
        ("b.txt", "its file is gone"), ("list.jsonl#3", "list.jsonl no longer holds it"), ("sub/c.md", "its file is gone")]
    _, listed, _ = cli_json("list", home=home)
    assert {e["doc_id"] for e in listed} >= {"b.txt", "list.jsonl#3", "sub/c.md", "keep.json"}  # kept until pruned
    proc = run_cli("ingest", str(folder), "--prune", home=home)
    assert proc.returncode == 1 and "removed stale list.jsonl#3: list.jsonl no longer holds it" in proc.stderr
    _, listed, _ = cli_json("list", home=home)
    assert sorted((e["doc_id"], e["title"]) for e in listed) == [
        ("b2.txt", "Bridge story"), ("keep.json", "Kept"), ("list.jsonl#1", "Story Ghent"), ("list.jsonl#2", "Story Cork")]
    status = run_cli("status", home=home)
    assert status.returncode == 0, status.stderr


def test_an_answer_whose_passages_never_name_what_was_asked_says_so(seed_desk, seed_home):
    answer = seed_desk.ask("Did Satya Nadella say Hungary promised not to veto the proposal?")
    assert not answer.refused and answer.unmentioned == ["Satya Nadella"]
    assert seed_desk.ask("What did Hungary commit to?").unmentioned == []
    code, data, _ = cli_json("ask", "Did Satya Nadella say Hungary promised not to veto the proposal?", home=seed_home)
    assert code == 0 and data["unmentioned"] == ["Satya Nadella"]
    proc = run_cli("ask", "Did Satya Nadella say Hungary promised not to veto the proposal?", home=seed_home)
    assert proc.stdout.startswith("None of the passages found mentions Satya Nadella: the quotes below may be about")


def test_a_moved_folder_updates_paths_without_re_embedding(tmp_path):
    """The content hash covers the path, so a moved or renamed folder (or the same articles from a
    copy) re-embedded every chunk; now only the stored path changes, in all three stores."""
    old = tmp_path / "articles"
    old.mkdir()
    (old / "bridge.txt").write_text("Bridge reopens\n\nThe Lyon bridge reopened on Sunday after repairs.\n")
    (old / "feed.jsonl").write_text(json.dumps({"title": "Canal dredged", "url": "https://example.org/canal",
                                                "body": "The Bari canal was dredged on Monday."}) + "\n")
    home = tmp_path / "home"
    desk = make_newsdesk(home)
    first = desk.ingest([old])
    new = tmp_path / "moved"
    old.rename(new)
    report = make_newsdesk(home).ingest([new])
    assert (report.moved, report.embedded, report.chunks_added, report.chunks_removed, report.stale) == (2, 0, 0, 0, [])
    assert "2 moved (path updated, not re-embedded)" in report.summary_line()
    after = make_newsdesk(home)
    assert after.check().problems() == [] and after.store.count() == first.chunks_added
    bridge = str((new / "bridge.txt").resolve())
    assert after.manifest.article("bridge.txt").path == bridge
    for name in ("news", "dense"):  # passages read from the keyword index, and from Chroma's metadata
        after.settings.retriever = name
        after.__dict__.pop("retriever", None)
        assert {p.path for p in after.retrieve("Lyon bridge reopened") if p.doc_id == "bridge.txt"} == {bridge}
    again = make_newsdesk(home).ingest([new])
    assert (again.unchanged, again.moved) == (2, 0)


def test_ingest_with_two_workers_stores_what_one_worker_stores(tmp_path):
    """``--workers 2`` changes only how many batches run at once: same chunk ids, same vectors."""
    articles = tmp_path / "many.jsonl"
    articles.write_text("".join(json.dumps({"title": f"Story {i}", "body": " ".join(
        f"The council of town {i} met on Monday about road number {j}." for j in range(i + 1))}) + "\n" for i in range(12)))
    stored = []
    for workers in (1, 2):
        desk = make_newsdesk(tmp_path / f"home-{workers}", embed_workers=workers, embed_batch_size=2)
        report = desk.ingest([articles])
        assert report.chunks_added >= 12 and not report.failed
        ids = sorted(desk.store.all_ids())
        stored.append((ids, desk.store.embeddings(ids)))
    assert stored[0][0] == stored[1][0]
    assert stored[0][1] == stored[1][1]


def test_a_failed_embedding_keeps_the_groups_written_before_it_and_stops(tmp_path):
    """Groups are embedded in a background thread while the next is read: when one fails, the
    groups before it stay written, nothing of it or after it is stored, the error reaches the
    caller, and no embedding thread is left running."""
    import threading

    from ingest.embedding import MiniLMEmbedding
    from ingest.pipeline import Ingestor

    class FailsOnThirdCall(MiniLMEmbedding):
        calls = 0

        def embed(self, texts, on_batch=None):
            FailsOnThirdCall.calls += 1
            if FailsOnThirdCall.calls == 3:
                raise RuntimeError("model broke")
            return super().embed(texts, on_batch)

    articles = tmp_path / "many.jsonl"
    articles.write_text("".join(json.dumps({"title": f"Story {i}", "body": f"The council of town {i} met on Monday."}) + "\n"
                                for i in range(6)))
    desk = make_newsdesk(tmp_path / "home", flush_chunks=1)
    ingestor = Ingestor(desk.settings, desk.store, desk.manifest, FailsOnThirdCall(), desk.keywords)
    with pytest.raises(RuntimeError, match="model broke"):
        ingestor.run([articles])
    assert [t for t in threading.enumerate() if t.name.startswith("ingest-embed")] == []
    assert len(desk.manifest.doc_ids()) == 2 and desk.store.count() == 2
    assert desk.check().problems() == []
    again = desk.ingest([articles])
    assert (again.unchanged, again.chunks_added) == (2, 4)
