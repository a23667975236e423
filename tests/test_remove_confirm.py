"""Removing many documents through files or folders asks first: on a terminal it asks, without one it
refuses unless --yes, and either way it says how many and which documents would go."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from conftest import make_newsdesk

ARTICLES = [{"title": f"Harbour story {n}", "source": "Harbour Times", "published_at": f"2023-03-0{n}",
             "url": f"https://harbour.example/{n}", "body": f"The harbour council met on day {n} and approved plan {n}."}
            for n in range(1, 6)]


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "harbour.jsonl").write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    for name in ("ferry", "tram", "bridge"):
        (folder / f"{name}.txt").write_text(f"The {name}\n\nThe {name} to Texel runs every hour in summer.")
    home = tmp_path / "home"
    assert not make_newsdesk(home).ingest([folder]).failed
    return home, folder


def newsdesk(home, *args: str, stdin=subprocess.DEVNULL) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], stdin=stdin, capture_output=True, text=True,
                          env={**os.environ, "NEWSDESK_HOME": str(home)}, timeout=120)


def stored(home) -> set[str]:
    return set(make_newsdesk(home).manifest.doc_ids())


def on_a_terminal(home, answer: str, *args: str) -> subprocess.CompletedProcess:
    """``newsdesk ARGS`` with a pseudo-terminal as its stdin, typing ``answer`` when asked."""
    controller, terminal = pty.openpty()
    try:
        os.write(controller, answer.encode() + b"\n")
        return newsdesk(home, *args, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)


def test_removing_the_whole_archive_without_a_terminal_is_refused_and_says_what_would_go(archive):
    home, _ = archive
    before = stored(home)
    proc = newsdesk(home, "remove", "/")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "this would remove 8 documents, the whole archive: bridge.txt, ferry.txt, https://harbour.example/1, " in proc.stderr
    assert "and 3 more; nothing was removed: pass --yes" in proc.stderr
    assert stored(home) == before


def test_files_a_pattern_names_need_yes_and_ids_named_one_by_one_do_not(archive):
    home, folder = archive
    pattern = newsdesk(home, "remove", str(folder / "bridge.txt"), str(folder / "ferry.txt"))  # as `*y.txt` expands
    assert pattern.returncode == 2 and "this would remove 2 documents of 8: bridge.txt, ferry.txt;" in pattern.stderr
    assert len(stored(home)) == 8
    ids = newsdesk(home, "remove", "https://harbour.example/1", "https://harbour.example/2")
    assert ids.returncode == 0 and ids.stdout.count("removed ") == 2
    one = newsdesk(home, "remove", str(folder / "tram.txt"))
    assert one.returncode == 0 and one.stdout == "removed tram.txt (1 chunk)\n"
    rest = newsdesk(home, "remove", "--yes", str(folder))
    assert rest.returncode == 0 and rest.stdout.count("removed ") == 5
    assert stored(home) == set()


def test_on_a_terminal_it_asks_and_does_what_the_answer_says(archive):
    home, folder = archive
    declined = on_a_terminal(home, "n", "remove", str(folder / "harbour.jsonl"))
    assert declined.returncode == 1 and "This would remove 5 documents of 8" in declined.stderr
    assert "Remove them? [y/N]" in declined.stderr and "nothing was removed" in declined.stderr
    assert len(stored(home)) == 8
    confirmed = on_a_terminal(home, "y", "remove", str(folder / "harbour.jsonl"))
    assert confirmed.returncode == 0 and confirmed.stdout.count("removed ") == 5
    assert stored(home) == {"bridge.txt", "ferry.txt", "tram.txt"}
