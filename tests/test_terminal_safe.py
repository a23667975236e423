"""What a file name, headline, outlet or article holds reaches a terminal as text: escape codes and
other controls are shown escaped in every command's output, rich markup is shown as written, and a
question with control characters in it is answered as its words."""

from __future__ import annotations

import json
import re

import pytest

from assistant.cli.common import terminal_safe
from assistant.query import without_controls
from conftest import HUNGARY_SENTENCE, run_cli

# anything a terminal would act on: C0 but newline and tab, DEL, C1, bidi controls, line separators
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
EVIL_NAME = "gate\x1b[2J\x07\r\x9b31m\u202eEVIL.jsonl"
EVIL_ARTICLE = {
    "title": "Zephyr lock gate [bold]approved[/bold] :warning:\x1b]0;pwned\x07",
    "source": "Harbour\x9b2J Times",
    "published_at": "2023-11-02",
    "body": "The Zephyr harbour council approved a new lock gate on Tuesday.\x1b[31m The gate opens in May.",
}


@pytest.mark.parametrize("raw, shown", [
    ("plain text, [brackets] and ünïcode", "plain text, [brackets] and ünïcode"),
    ("red\x1b[31mtext", "red\\x1b[31mtext"),
    ("bell\x07 back\x08 return\r", "bell\\x07 back\\x08 return\\x0d"),
    ("csi\x9b2J del\x7f", "csi\\x9b2J del\\x7f"),
    ("bidi \u202eevil\u202c \u2066iso\u2069 \u200fmark", "bidi \\u202eevil\\u202c \\u2066iso\\u2069 \\u200fmark"),
    ("line\u2028separator", "line\\u2028separator"),
    ("keeps\nnewlines\tand tabs", "keeps\nnewlines\tand tabs"),
])
def test_terminal_safe_shows_every_control_as_its_escape(raw, shown):
    assert terminal_safe(raw) == shown
    assert not RAW.search(terminal_safe(raw))


def test_escape_sequences_leave_no_trace_in_a_question():
    assert without_controls("What did\x1b[31m Hungary\x1b[0m commit to?") == "What did  Hungary  commit to?"
    assert without_controls("a\x1b]0;window title\x07b \x9b2Jc \u202ed\u200be") == "a b  c  d e"


@pytest.mark.parametrize("question", [
    "What did\x1b[31m Hungary commit to?\x1b[0m",
    "What did \x9b31mHungary commit to?",
    "What\x1b]0;evil title\x07 did Hungary\u202e commit to?",
    "What did\r Hungary\x08 commit\x00 to?",
])
def test_a_question_with_control_characters_is_answered_as_its_words(seed_desk, question):
    answer = seed_desk.ask(question)
    assert not answer.refused and answer.question == "What did Hungary commit to?"
    assert HUNGARY_SENTENCE in [c.quote for c in answer.citations]


def assert_terminal_safe(proc, *expected: str) -> str:
    shown = proc.stdout + proc.stderr
    assert not RAW.search(shown), f"raw control characters reached the terminal: {RAW.findall(shown)!r}\n{shown}"
    for text in expected:
        assert text in shown, (text, shown)
    return shown


def test_every_command_shows_hostile_names_and_text_escaped(tmp_path):
    folder = tmp_path / "in\x1b[1mbox"
    folder.mkdir()
    (folder / EVIL_NAME).write_text(json.dumps(EVIL_ARTICLE) + "\n")
    (folder / "broken\x1b[5m\x07.json").write_text("{")
    home = tmp_path / "home"
    escaped_name = "gate\\x1b[2J\\x07\\x0d\\x9b31m\\u202eEVIL.jsonl"

    ingest = run_cli("ingest", str(folder), home=home)
    assert ingest.returncode == 1
    assert_terminal_safe(ingest, "broken\\x1b[5m\\x07.json", "in\\x1b[1mbox")
    listing = run_cli("list", home=home)
    shown = assert_terminal_safe(listing, escaped_name, "[bold]approved[/bold] :warning:", "Harbour\\x9b2J Times")
    assert "⚠" not in shown  # no emoji codes either
    assert_terminal_safe(run_cli("status", home=home), "Harbour\\x9b2J Times")
    asked = run_cli("ask", "What did the Zephyr harbour council approve?", home=home, check=True)
    assert_terminal_safe(asked, "Zephyr lock gate [bold]approved[/bold]", "Harbour\\x9b2J Times", escaped_name)
    checked = run_cli("check", "The Zephyr harbour council approved a new lock gate.", home=home, check=True)
    assert_terminal_safe(checked, "Zephyr lock gate [bold]approved[/bold]", "Harbour\\x9b2J Times")
    removed = run_cli("remove", "no\x1b[2Jsuch\x07 document", home=home)
    assert removed.returncode == 1
    assert_terminal_safe(removed, "not in the archive: no\\x1b[2Jsuch\\x07 document")

    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"id": "p\x1b[31m1\u202e", "claim": "The gate opens\x07 in May.",
                                 "evidence": "The gate\x9b2J opens in May."}) + "\n" + "{bad\x1b[2J\n")
    verified = run_cli("verify", str(pairs))
    assert_terminal_safe(verified, "p\\x1b[31m1\\u202e")

    questions = tmp_path / "set\x1b[32m.jsonl"
    questions.write_text(json.dumps({"id": "q\x1b[31m1", "question": "What did the Zephyr harbour council approve?",
                                     "answer": "a new lock gate", "question_type": "type\x1b[2J[red]x[/red]"}) + "\n")
    evaluated = run_cli("eval", str(questions), home=home, check=True)
    assert_terminal_safe(evaluated, "set\\x1b[32m", "type\\x1b[2J[red]x[/red]")

    raw = run_cli("list", "--json", home=home)  # JSON stays JSON: its strings carry the same characters, escaped
    assert json.loads(raw.stdout)[0]["doc_id"].startswith(EVIL_NAME) and "\x1b" not in raw.stdout
