"""The same code against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import HUNGARY_SENTENCE, SEED_FILE, cli_json, run_cli
from eval.chroma_server import CHROMA, ChromaServer, free_port


@pytest.fixture
def chroma_server(tmp_path):
    if not CHROMA.exists():
        pytest.fail(f"{CHROMA} is missing: chromadb must install its `chroma` command")
    server = ChromaServer(tmp_path / "chroma-data", free_port())
    server.start()
    yield server
    server.stop()


def test_ingest_ask_reingest_remove_on_a_server(chroma_server, tmp_path):
    env = {"NEWSDESK_CHROMA_URL": chroma_server.url}
    home = tmp_path / "home"
    extra = tmp_path / "more.jsonl"
    extra.write_text(json.dumps({"title": "Tram line opens", "body": "Lisbon opened a new tram line on Sunday.",
                                 "url": "https://example.org/tram", "source": "Lisbon Daily"}) + "\n")
    code, first, _ = cli_json("ingest", str(SEED_FILE), str(extra), home=home, env=env)
    assert code == 0 and first["chunks_added"] >= 3
    assert not (home / "chroma").exists(), "server mode must not create an embedded database"

    code, answer, _ = cli_json("ask", "What did Hungary commit to?", home=home, env=env)
    assert code == 0 and answer["citations"][0]["quote"] == HUNGARY_SENTENCE

    code, again, _ = cli_json("ingest", str(SEED_FILE), str(extra), home=home, env=env)
    assert (code, again["chunks_added"], again["embedded"], again["unchanged"]) == (0, 0, 0, 2)

    removed = run_cli("remove", "https://example.org/tram", home=home, env=env)
    assert removed.returncode == 0 and "removed https://example.org/tram (1 chunk)" in removed.stdout
    code, status, _ = cli_json("status", home=home, env=env)
    assert status["documents"] == 1 and status["chunks"] == first["chunks_added"] - 1 and status["problems"] == []


def test_server_restart_mid_session(chroma_server, tmp_path):
    from conftest import make_newsdesk

    desk = make_newsdesk(tmp_path / "home", chroma_url=chroma_server.url)
    desk.ingest([SEED_FILE])
    chunks = desk.store.count()

    chroma_server.stop()
    from ingest.store import StoreError

    with pytest.raises(StoreError, match=f"the Chroma server at {chroma_server.url} failed"):
        desk.ask("What did Hungary commit to?")
    proc = run_cli("ask", "What did Hungary commit to?", home=tmp_path / "home", env={"NEWSDESK_CHROMA_URL": chroma_server.url})
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: cannot reach the Chroma server at") and "Traceback" not in proc.stderr

    chroma_server.start()
    answer = desk.ask("What did Hungary commit to?")  # the same object reconnects
    assert answer.citations[0].quote == HUNGARY_SENTENCE
    assert desk.store.count() == chunks


def test_home_built_for_another_store_is_refused(tmp_path):
    home = tmp_path / "home"
    run_cli("ingest", str(SEED_FILE), home=home, check=True)
    proc = run_cli("ask", "What did Hungary commit to?", home=home, env={"NEWSDESK_CHROMA_URL": "http://127.0.0.1:9"})
    assert proc.returncode == 2
    assert "describes embedded collection=newsdesk, not http://127.0.0.1:9" in proc.stderr


def test_a_second_home_cannot_write_into_a_collection_another_home_owns(chroma_server, tmp_path):
    """Each would see the other's chunks as orphans, and `status --repair` in one deleted the other's."""
    env = {"NEWSDESK_CHROMA_URL": chroma_server.url}
    run_cli("ingest", str(SEED_FILE), home=tmp_path / "a", env=env, check=True)
    other = run_cli("ingest", str(SEED_FILE), home=tmp_path / "b", env=env)
    assert other.returncode == 2 and "belongs to another Newsdesk home" in other.stderr
    assert "NEWSDESK_COLLECTION" in other.stderr
    own = run_cli("ingest", str(SEED_FILE), home=tmp_path / "b", env={**env, "NEWSDESK_COLLECTION": "home-b"})
    assert own.returncode == 0, own.stderr
    code, status, _ = cli_json("status", home=tmp_path / "a", env=env)
    assert code == 0 and status["problems"] == []


def test_a_server_that_comes_back_empty_is_an_error_and_keeps_the_keyword_index(chroma_server, tmp_path):
    env = {"NEWSDESK_CHROMA_URL": chroma_server.url}
    home = tmp_path / "home"
    run_cli("ingest", str(SEED_FILE), home=home, env=env, check=True)
    rows = sqlite3.connect(home / "keywords.sqlite3").execute("SELECT count(*) FROM chunks").fetchone()[0]
    chroma_server.stop()
    empty = ChromaServer(tmp_path / "empty-data", chroma_server.port)
    empty.start()
    try:
        proc = run_cli("ask", "What did Hungary commit to?", home=home, env=env)
        assert proc.returncode == 2 and "holds none of this archive's chunks" in proc.stderr
        assert "status --repair" in proc.stderr
        assert sqlite3.connect(home / "keywords.sqlite3").execute("SELECT count(*) FROM chunks").fetchone()[0] == rows
        repaired = run_cli("status", "--repair", home=home, env=env)
        assert "rebuilt 1 document" in repaired.stdout, repaired.stdout + repaired.stderr
        code, answer, _ = cli_json("ask", "What did Hungary commit to?", home=home, env=env)
        assert code == 0 and answer["citations"][0]["quote"] == HUNGARY_SENTENCE
    finally:
        empty.stop()
