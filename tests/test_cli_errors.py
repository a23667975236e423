"""Unusable homes and settings: one line naming the file, folder or variable, exit code 2, no traceback,
and nothing created where a typo points."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from conftest import SEED_FILE, run_cli


def one_error_line(proc, *expected: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr, proc.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def test_a_home_that_is_a_file_or_a_broken_database_is_one_line(tmp_path):
    home_file = tmp_path / "homefile"
    home_file.write_text("not a folder")
    for command in (["status"], ["ingest", str(SEED_FILE)], ["ask", "What did Hungary commit to?"]):
        one_error_line(run_cli(*command, home=home_file), str(home_file), "must be a folder")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "manifest.sqlite3").write_bytes(b"\x13\x37 random bytes, no SQLite header " * 200)
    one_error_line(run_cli("status", home=corrupt), "manifest.sqlite3", "file is not a database")


def test_reading_commands_do_not_create_an_archive_where_a_typo_points(tmp_path):
    typo = tmp_path / "hoem"
    for command in (["ask", "What did Hungary commit to?"], ["status"], ["remove", "x.txt"]):
        one_error_line(run_cli(*command, home=typo), f"no archive at {typo}")
    assert not typo.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    one_error_line(run_cli("ask", "What did Hungary commit to?", home=empty), "holds no articles yet")


def test_an_archive_on_a_read_only_mount_says_so(tmp_path):
    """A real read-only bind mount (root with mount rights; skipped elsewhere): chmod does not stop root."""
    home = tmp_path / "home"
    run_cli("ingest", str(SEED_FILE), home=home, check=True)
    mounted = tmp_path / "mounted"
    mounted.mkdir()
    if subprocess.run(["mount", "--bind", str(home), str(mounted)], capture_output=True).returncode != 0:
        pytest.skip("no permission to make a read-only bind mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], capture_output=True).returncode != 0:
            pytest.skip("no permission to remount read-only here")
        one_error_line(run_cli("ask", "What did Hungary commit to?", home=mounted),
                       "manifest.sqlite3", f"{mounted} is read-only", "copy the folder somewhere writable")
    finally:
        subprocess.run(["umount", str(mounted)], capture_output=True)
    assert run_cli("ask", "What did Hungary commit to?", home=home).returncode == 0


@pytest.mark.parametrize(
    ("env", "config", "expected"),
    [
        ({"NEWSDESK_MIN_SUPPORT": "-1"}, None, "invalid setting min_support (from NEWSDESK_MIN_SUPPORT): Input should be greater than or equal to 0"),
        ({"NEWSDESK_MIN_SUPPORT": "5"}, None, "invalid setting min_support (from NEWSDESK_MIN_SUPPORT): Input should be less than or equal to 1"),
        ({"NEWSDESK_HOME": ""}, None, "invalid setting home (from NEWSDESK_HOME): must not be empty"),
        ({"NEWSDESK_CHROMA_HEADERS": "x-key=1"}, None, "invalid setting chroma_headers (NEWSDESK_CHROMA_HEADERS)"),
        ({}, "top_k = 3\nretriever = [\n", "newsdesk.toml: not valid TOML"),
        ({}, "topk = 3\n", "newsdesk.toml: 'topk' is not a setting; did you mean 'top_k'?"),
        ({}, 'top_k = "abc"\n', "invalid setting top_k (from newsdesk.toml): Input should be a valid integer"),
        ({}, b"top_k = 3 \xff\n", "newsdesk.toml: not UTF-8 text"),
        ({"NEWSDESK_CONFIG": "missing.toml"}, None, "NEWSDESK_CONFIG names missing.toml, which is not there"),
    ],
)
def test_settings_that_cannot_be_meant_are_one_line(tmp_path, env, config, expected):
    """Run in a folder of its own: newsdesk.toml is read from the working folder."""
    if config is not None:
        target = tmp_path / "newsdesk.toml"
        target.write_bytes(config if isinstance(config, bytes) else config.encode())
    full = {k: v for k, v in os.environ.items() if k != "NEWSDESK_CONFIG"}
    full.update({"NEWSDESK_HOME": str(tmp_path / "home"), **env})
    proc = subprocess.run([sys.executable, "-m", "assistant", "ingest", str(SEED_FILE)], capture_output=True,
                          text=True, env=full, cwd=tmp_path, timeout=120)
    one_error_line(proc, expected)
    assert not (tmp_path / "home").exists()


def test_passwords_in_urls_are_never_shown_or_stored(tmp_path):
    home = tmp_path / "home"
    chroma = {"NEWSDESK_CHROMA_URL": "http://reader:CHROMA-SECRET@127.0.0.1:9"}
    proc = run_cli("ingest", str(SEED_FILE), home=home, env=chroma)
    assert proc.returncode == 2 and "reader:***@127.0.0.1:9" in proc.stderr and "CHROMA-SECRET" not in proc.stderr
    stored = sqlite3.connect(home / "manifest.sqlite3").execute("SELECT value FROM meta WHERE key='store'").fetchone()
    assert stored is None or "CHROMA-SECRET" not in stored[0]
    # the failed first connection did not tie the still empty home to that server
    run_cli("ingest", str(SEED_FILE), home=home, check=True)
    llm = {"NEWSDESK_ANSWERER": "openai", "NEWSDESK_LLM_BASE_URL": "http://reader:LLM-SECRET@127.0.0.1:9/v1",
           "NEWSDESK_LLM_MAX_RETRIES": "0", "NEWSDESK_LLM_TIMEOUT": "5"}
    proc = run_cli("ask", "What did Hungary commit to?", home=home, env=llm)
    assert proc.returncode == 2 and "reader:***@127.0.0.1:9" in proc.stderr
    assert "LLM-SECRET" not in proc.stderr + proc.stdout


def test_commands_given_json_report_errors_as_json_too(tmp_path):
    """A script parsing --json output gets an object on failure as well, with the same one line for people."""
    typo = tmp_path / "hoem"
    for command in (["ask", "What did Hungary commit to?", "--json"], ["status", "--json"]):
        proc = run_cli(*command, home=typo)
        one_error_line(proc, f"no archive at {typo}")
        reply = json.loads(proc.stdout)
        assert reply["exit_code"] == 2 and reply["error"].startswith(f"no archive at {typo}")
    proc = run_cli("ingest", str(tmp_path / "missing.txt"), "--json", home=tmp_path / "home")
    assert proc.returncode == 1 and json.loads(proc.stdout)["failed"][0]["reason"] == "no such file or folder"
    assert run_cli("ask", "What did Hungary commit to?", home=typo).stdout == ""  # plain text: stderr only


def test_a_bad_flag_value_or_a_missing_argument_is_one_line_not_a_usage_box(tmp_path):
    one_error_line(run_cli("eval", "set.jsonl", "--workers", "0", home=tmp_path),
                   "newsdesk eval: Invalid value for '--workers'", "(see newsdesk eval --help)")
    one_error_line(run_cli("ask", home=tmp_path), "newsdesk ask: Missing argument 'QUESTION'")
    one_error_line(run_cli("frobnicate", home=tmp_path), "No such command 'frobnicate'")
    as_json = run_cli("list", "--json", "--frob", home=tmp_path)
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["error"].startswith("newsdesk list: No such option: --frob")
    assert run_cli("ask", "--help", home=tmp_path).returncode == 0
