"""The archive embedded by an OpenAI-compatible /v1/embeddings server (the test server on 127.0.0.1,
the real openai client, real Chroma): chosen by settings, recorded on the collection, refused when
another model's settings meet it, and every server failure one line that stores nothing."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from conftest import HUNGARY_SENTENCE, cli_json, SEED_FILE, make_newsdesk, run_cli
from ingest.embedding_server import EmbeddingServerError, ServerEmbedding
from ingest.pipeline import embedding_text
from ingest.store import DIMENSIONS_KEY, MODEL_KEY, EmbeddingMismatch
from openai_server import bag_of_words

QUESTION = "What did Hungary commit to?"
SEED_ID = SEED_FILE.name
MODEL = "hashed-bow"
SENTINEL = "sk-EMBED-SENTINEL-3c9d0e7a51"
TAKEOVER = {
    "url": "https://example.org/united-takeover", "title": "Inside the Manchester United takeover",
    "source": "Example Sport", "published_at": "2023-10-18",
    "body": "The Qatari banker withdrew from the bidding, leaving the way clear for Ratcliffe to buy a stake in the "
            "football club. The board is expected to vote on the deal next week.",
}
ELECTION = {
    "url": "https://example.org/council-vote", "title": "Council approves the new tram line",
    "source": "Example Daily", "published_at": "2024-05-02",
    "body": "The city council approved the tram line on Tuesday after a long debate about its cost and its route.",
}


def server_desk(home: Path, server, model: str = MODEL, **overrides):
    return make_newsdesk(home, embed_base_url=server.base_url, embed_model=model, embed_max_retries=0, **overrides)


def write_article(folder: Path, name: str, article: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(article), encoding="utf-8")
    return path


def snapshot(home: Path) -> tuple[list[str], int, dict]:
    """What the home holds: documents, chunks in Chroma, the collection's metadata."""
    desk = make_newsdesk(home)
    return desk.manifest.doc_ids(), desk.store.count(), dict(desk.store.collection.metadata or {})


def embedding_requests(server) -> list[dict]:
    return [r for r in server.requests if "input" in r]


@pytest.fixture
def server_home(tmp_path, openai_server) -> Path:
    """The seed article and one other, embedded by the server (64-dimension vectors)."""
    home = tmp_path / "home"
    report = server_desk(home, openai_server).ingest([SEED_FILE, write_article(tmp_path, "takeover.json", TAKEOVER)])
    assert report.chunks_added >= 2 and not report.failed
    return home


def test_an_archive_embedded_by_a_server_answers_and_records_the_model(tmp_path, openai_server):
    openai_server.embedding_dimensions = 256
    home = tmp_path / "home"
    sizes: list[int] = []
    desk = server_desk(home, openai_server, retriever="dense", embed_request_size=2)
    report = desk.ingest([SEED_FILE, write_article(tmp_path, "takeover.json", TAKEOVER)],
                         progress=lambda state: sizes.append(state.chunks_embedded))
    assert not report.failed and report.embedded == report.chunks_added >= 3
    requests = embedding_requests(openai_server)
    assert {r["model"] for r in requests} == {MODEL} and {r["encoding_format"] for r in requests} == {"float"}
    assert max(len(r["input"]) for r in requests) == 2  # embed_request_size texts a request
    assert sizes[-1] == report.chunks_added

    metadata = desk.store.collection.metadata
    assert metadata[MODEL_KEY] == MODEL and metadata[DIMENSIONS_KEY] == 256
    # what Chroma holds is the server's vector of each chunk's text, at unit length, in its own row
    article = desk.manifest.article(desk.manifest.doc_ids()[0])
    chunk_id = desk.manifest.known(article.doc_id)[1][0]
    passage = next(p for p in desk.store.query(desk.archive_embedder.get_query_embedding(article.title), 10)
                   if p.chunk_id == chunk_id)
    expected = np.array(bag_of_words(embedding_text(article, passage), 256))
    stored = np.array(desk.store.embeddings([chunk_id])[chunk_id])
    assert np.allclose(stored, expected / np.linalg.norm(expected), atol=1e-6)

    fresh = server_desk(home, openai_server, retriever="dense")
    assert fresh.retrieve(QUESTION, k=1)[0].doc_id == SEED_ID
    assert fresh.retrieve("Who is clear to buy the football club?", k=1)[0].doc_id == TAKEOVER["url"]
    answer = fresh.ask(QUESTION)
    assert not answer.refused and answer.citations[0].quote == HUNGARY_SENTENCE
    assert fresh.embedder.model_name == "all-MiniLM-L6-v2-int8"  # answer sentences are still ranked by MiniLM


def test_query_and_document_prefixes_reach_the_server_and_the_document_prefix_is_recorded(tmp_path, openai_server):
    home = tmp_path / "home"
    desk = server_desk(home, openai_server, retriever="dense", embed_query_prefix="query: ",
                       embed_document_prefix="passage: ")
    report = desk.ingest([SEED_FILE])
    assert not report.failed
    chunk_inputs = [text for r in embedding_requests(openai_server) for text in r["input"]]
    assert len(chunk_inputs) == report.chunks_added and all(t.startswith("passage: ") for t in chunk_inputs)
    assert desk.store.collection.metadata[MODEL_KEY] == f"{MODEL} with documents prefixed 'passage: '"

    openai_server.requests.clear()
    assert desk.retrieve(QUESTION, k=1)[0].doc_id == SEED_ID
    assert [r["input"] for r in embedding_requests(openai_server)] == [[f"query: {QUESTION}"]]
    assert all(r["model"] == MODEL for r in embedding_requests(openai_server))  # the server is asked for the model itself

    # chunks embedded with another prefix would not be comparable: refused, naming the settings it was built with
    before = snapshot(home)
    with pytest.raises(EmbeddingMismatch, match=f"NEWSDESK_EMBED_MODEL={MODEL} NEWSDESK_EMBED_DOCUMENT_PREFIX='passage: ' "
                                                "on a server that serves it"):
        server_desk(home, openai_server).ingest([write_article(tmp_path, "takeover.json", TAKEOVER)])
    assert snapshot(home) == before


def test_the_bundled_model_is_refused_on_a_server_built_archive_and_nothing_changes(tmp_path, server_home):
    before = snapshot(server_home)
    desk = make_newsdesk(server_home)
    with pytest.raises(EmbeddingMismatch) as refused:
        desk.ingest([write_article(tmp_path, "council.json", ELECTION)])
    message = str(refused.value)
    assert "\n" not in message
    assert f"built with the embedding model {MODEL} (64 dimensions), not with the configured all-MiniLM-L6-v2-int8 (384 dimensions)" in message
    assert f"NEWSDESK_EMBED_MODEL={MODEL}" in message and "another --home" in message
    with pytest.raises(EmbeddingMismatch):
        make_newsdesk(server_home).ask(QUESTION)
    assert snapshot(server_home) == before

    asked = run_cli("ask", QUESTION, home=server_home)  # the CLI: one line, exit 2
    assert asked.returncode == 2 and asked.stderr.count("\n") == 1
    assert asked.stderr.startswith("error: the collection 'newsdesk' of Chroma in ") and f"{MODEL} (64 dimensions)" in asked.stderr
    code, status, _ = cli_json("status", home=server_home)  # status says which model the archive needs
    assert (code, status["embedding_model"], status["embedding_dimensions"]) == (0, MODEL, 64)
    assert re.search(rf"^ *embedding +{MODEL} \(64 dimensions\)", run_cli("status", home=server_home).stdout, re.M)


def test_another_model_or_another_dimension_is_refused(tmp_path, openai_server, server_home):
    before = snapshot(server_home)
    council = write_article(tmp_path, "council.json", ELECTION)
    with pytest.raises(EmbeddingMismatch, match=f"built with the embedding model {MODEL} .64 dimensions., "
                                                "not with the configured other-model: "):
        server_desk(server_home, openai_server, model="other-model").ingest([council])
    # the same name, but the server now serves vectors of another length
    openai_server.embedding_dimensions = 32
    with pytest.raises(EmbeddingMismatch, match=r"\(64 dimensions\), not with the configured hashed-bow \(32 dimensions\)"):
        server_desk(server_home, openai_server).ingest([council])
    with pytest.raises(EmbeddingMismatch, match=r"\(32 dimensions\)"):
        server_desk(server_home, openai_server).ask(QUESTION)
    assert snapshot(server_home) == before


def test_an_archive_from_before_the_model_was_recorded_is_taken_as_minilm(tmp_path, openai_server):
    home = tmp_path / "old"
    assert not make_newsdesk(home).ingest([SEED_FILE]).failed
    desk = make_newsdesk(home)  # strip the record, as an archive built before it was kept
    metadata = {k: v for k, v in desk.store.collection.metadata.items() if k not in (MODEL_KEY, DIMENSIONS_KEY)}
    desk.store.collection.modify(metadata=metadata)
    assert MODEL_KEY not in make_newsdesk(home).store.collection.metadata

    with pytest.raises(EmbeddingMismatch, match="built with the embedding model all-MiniLM-L6-v2-int8 .384 dimensions."):
        server_desk(home, openai_server).retrieve(QUESTION)
    assert embedding_requests(openai_server) == []  # refused before the server was asked anything

    old = make_newsdesk(home)
    assert old.ask(QUESTION).citations[0].quote == HUNGARY_SENTENCE
    assert not old.ingest([write_article(tmp_path, "council.json", ELECTION)]).failed
    recorded = make_newsdesk(home).store.collection.metadata  # the next write records what was implied
    assert recorded[MODEL_KEY] == "all-MiniLM-L6-v2-int8" and recorded[DIMENSIONS_KEY] == 384


def test_a_server_that_is_down_is_one_line_naming_it_and_nothing_is_stored(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    home = tmp_path / "home"
    env = {"NEWSDESK_EMBED_BASE_URL": url, "NEWSDESK_EMBED_MODEL": MODEL, "NEWSDESK_EMBED_MAX_RETRIES": "0"}
    proc = run_cli("ingest", str(SEED_FILE), home=home, env=env)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith(f"error: the embedding server at {url} (model {MODEL}) failed: Connection error")
    assert "Traceback" not in proc.stderr
    assert snapshot(home)[:2] == ([], 0)


def test_a_server_failing_mid_ingest_stores_nothing_of_the_failed_batch(tmp_path, openai_server):
    home = tmp_path / "home"
    files = [SEED_FILE, write_article(tmp_path, "takeover.json", TAKEOVER)]
    openai_server.embeddings_before_failure = 1  # the first request is answered, the second fails
    with pytest.raises(EmbeddingServerError) as failed:
        server_desk(home, openai_server, embed_request_size=1).ingest(files)
    assert str(failed.value) == (f"the embedding server at {openai_server.base_url} (model {MODEL}) failed: "
                                 "HTTP 500: scripted failure")
    assert len(embedding_requests(openai_server)) == 2
    assert snapshot(home)[:2] == ([], 0)

    # a flush group written before the failure stays; the failed one is written by the next run
    openai_server.embeddings_before_failure, openai_server.fail_with = 1, None
    with pytest.raises(EmbeddingServerError):
        server_desk(home, openai_server, flush_chunks=1).ingest(files)  # one flush group an article
    stored, chunks, _ = snapshot(home)
    assert len(stored) == 1 and chunks == make_newsdesk(home).manifest.chunk_count() >= 1
    openai_server.embeddings_before_failure, openai_server.fail_with = None, None
    again = server_desk(home, openai_server).ingest(files)
    assert again.unchanged == 1 and again.chunks_added >= 1 and len(snapshot(home)[0]) == 2


@pytest.mark.parametrize("body, reason", [
    ({"object": "list", "data": [], "model": MODEL}, "it returned 0 embeddings for 1 texts"),
    ({"object": "list", "data": [{"index": 0, "embedding": []}], "model": MODEL}, "empty or ragged embeddings"),
    ({"error": "no model loaded"}, "it returned no embeddings for 1 texts"),
])
def test_a_reply_that_is_no_set_of_embeddings_is_refused(tmp_path, openai_server, body, reason):
    openai_server.raw_body = json.dumps(body).encode()
    embedder = ServerEmbedding(server_desk(tmp_path, openai_server).settings)
    with pytest.raises(EmbeddingServerError, match=reason):
        embedder.embed(["Hungary promised not to veto the proposal."])


def test_vectors_that_change_length_between_calls_are_refused(tmp_path, openai_server):
    embedder = ServerEmbedding(server_desk(tmp_path, openai_server).settings)
    first = embedder.embed(["NATO approved a roadmap", "Hungary will not veto"])
    assert first.shape == (2, 64) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0) and embedder.texts_embedded == 2
    openai_server.embedding_dimensions = 48
    with pytest.raises(EmbeddingServerError, match="it returned 48-dimension embeddings after 64-dimension ones"):
        embedder.get_query_embedding("Hungary")
    assert embedder.texts_embedded == 2


def test_the_key_reaches_the_server_and_no_error_shows_it(tmp_path, openai_server):
    settings = server_desk(tmp_path, openai_server, embed_api_key=SENTINEL).settings
    assert SENTINEL not in repr(settings) and SENTINEL not in str(settings.model_dump())
    openai_server.fail_with = 401
    with pytest.raises(EmbeddingServerError) as failed:
        ServerEmbedding(settings).embed(["Hungary"])
    assert embedding_requests(openai_server)[0]["_authorization"] == f"Bearer {SENTINEL}"
    assert "HTTP 401: scripted failure" in str(failed.value) and SENTINEL not in str(failed.value)


@pytest.mark.parametrize("settings, reason", [
    ({"embed_base_url": "http://127.0.0.1:9/v1"}, "embed_base_url is set but embed_model is not"),
    ({"embed_model": MODEL}, "embed_model is set but embed_base_url is not"),
    ({"embed_base_url": "127.0.0.1:9/v1", "embed_model": MODEL}, "embed_base_url must look like http://host:port/v1"),
    ({"embed_query_prefix": "query: "}, "embed_query_prefix / embed_document_prefix are set but embed_base_url is not"),
])
def test_half_an_embedding_server_is_a_settings_error(tmp_path, settings, reason):
    with pytest.raises(ValidationError, match=reason):
        make_newsdesk(tmp_path, **settings)
