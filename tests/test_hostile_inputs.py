"""Hostile and broken input: each file gets a clear reason or a correct result, never a crash,
and nothing already stored is damaged. Questions likewise get a reply or a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import HUNGARY_SENTENCE, SEED_FILE, cli_json, make_newsdesk, run_cli
from ingest.loaders import load_file

NASTY: dict[str, bytes | str] = {
    "empty.txt": b"",
    "whitespace.txt": b"  \n\t\n   \r\n",
    "binary.md": bytes(range(256)) * 4,
    "bad-utf8.txt": b"Headline\n\nCaf\xc3 \xff\xfe broken",
    "utf16.txt": "Gas prices fall\n\nGas prices fell 3% in Lisbon.".encode("utf-16"),
    "nested.json": "[" * 100_000 + "]" * 100_000,
    "not-an-article.json": json.dumps({"hello": "world"}),
    "wrong-types.json": json.dumps({"title": ["a"], "body": "Text."}),
    "mixed.jsonl": '{"title": "Ok", "body": "Bridge reopened in Porto.", "url": "https://x.org/porto"}\n[1,2]\n{bad\n',
    "hostile.html": (
        "<html><head><title>Hostile page</title><script>alert(1)</script></head><body>"
        "<iframe src='https://evil.example'></iframe><img src='data:image/png;base64,AAAA' onerror='alert(2)'>"
        "<p>Council approves \u200bbudget\u202e for 2025.</p><object data='x.swf'></object></body></html>"
    ),
    "long-line.txt": "Long line story\n\n" + ("word " * 60_000) + "end.",
    "dupes.jsonl": '{"title": "A", "body": "First copy.", "url": "https://x.org/dup"}\n'
                   '{"title": "B", "body": "Second copy.", "url": "https://x.org/dup"}\n',
}


@pytest.fixture
def nasty_folder(tmp_path) -> Path:
    folder = tmp_path / "nasty"
    folder.mkdir()
    for name, content in NASTY.items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    big = folder / "huge.txt"
    with big.open("wb") as fh:
        fh.write(b"Huge\n\n")
        fh.truncate(50 * 1024 * 1024)  # a 50 MB file (sparse: cheap to make)
    return folder


def test_nasty_folder_gives_clear_reasons_and_keeps_the_archive(tmp_path, nasty_folder):
    home = tmp_path / "home"
    desk = make_newsdesk(home)
    desk.ingest([SEED_FILE])
    before = desk.store.count()

    code, report, stderr = cli_json("ingest", str(nasty_folder), home=home)
    assert code == 1 and "Traceback" not in stderr
    reasons = {f["path"].replace(str(nasty_folder) + "/", ""): f["reason"] for f in report["failed"]}
    assert reasons["empty.txt"] == "file is empty"
    assert reasons["whitespace.txt"] == "file is empty"
    assert reasons["binary.md"] == "binary file, not text"
    assert reasons["bad-utf8.txt"].startswith("not valid UTF-8")
    assert reasons["nested.json"] == "JSON is nested too deeply"
    assert reasons["not-an-article.json"].startswith("missing 'body'")
    assert reasons["wrong-types.json"] == "'title' must be a string, got a list"
    assert reasons["mixed.jsonl:2"] == "expected an article object, got a list"
    assert reasons["mixed.jsonl:3"].startswith("invalid JSON")
    assert reasons["huge.txt"].startswith("file is 50.0 MiB, over the 20 MiB limit")
    assert any(r.startswith("duplicate document id 'https://x.org/dup'") for r in reasons.values())
    assert all("\n" not in r for r in reasons.values())

    after = make_newsdesk(home)
    ids = set(after.manifest.doc_ids())
    assert {"utf16.txt", "hostile.html", "long-line.txt", "https://x.org/porto", "https://x.org/dup"} <= ids
    assert len(ids) == 6  # the seed article and the five good documents
    hostile = after.manifest.article("hostile.html")
    assert hostile.text == "Council approves budget for 2025."
    assert after.manifest.article("https://x.org/dup").title == "A"  # first copy kept
    assert after.store.count() > before
    assert after.ask("What did Hungary commit to?").citations[0].quote == HUNGARY_SENTENCE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000), st.sampled_from([".txt", ".md", ".html", ".json", ".jsonl"]))
def test_any_bytes_load_or_fail_cleanly(tmp_path, raw, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(raw)
    loaded = load_file(path, tmp_path)  # must not raise
    for article in loaded.articles:
        assert article.text.strip() and article.doc_id
    for failure in loaded.failures:
        assert failure.reason and "\n" not in failure.reason and failure.path.startswith(str(path))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_any_text_article_is_stored_exactly(tmp_path, body):
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"title": "T", "body": body}) + "\n")
    loaded = load_file(path, tmp_path)
    for article in loaded.articles:
        assert article.text == article.text.strip() and "\r" not in article.text


@pytest.mark.parametrize(
    "question, error",
    [
        ("", "the question is empty"),
        ("   \x00\x07  ", "the question is empty"),
        ("?!... ;;", "the question has no words in it"),
        ("x" * 100_000, "the question is 100000 characters long; the limit is 2000"),
    ],
)
def test_unusable_questions_get_a_clear_error(seed_desk, question, error):
    with pytest.raises(ValueError) as caught:
        seed_desk.ask(question)
    assert str(caught.value) == error


def test_cli_reports_an_unusable_question_in_one_line(seed_home):
    proc = run_cli("ask", "?!", home=seed_home)
    assert proc.returncode == 2
    assert proc.stderr == "error: the question has no words in it\n"


@pytest.mark.parametrize(
    "question",
    ["Qu'a promis la Hongrie ?", "What did\x1b[31m Hungary\u202e commit to?", "¿Quién ganó el Mundial de 2022?"],
)
def test_odd_questions_get_a_sensible_reply(seed_desk, question):
    answer = seed_desk.ask(question)
    assert answer.refused or answer.citations, "either refused or cited"
    for citation in answer.citations:
        assert seed_desk.manifest.article(citation.doc_id).text[citation.start : citation.end] == citation.quote
    assert "\x1b" not in answer.question and "\u202e" not in answer.question
