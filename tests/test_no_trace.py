"""Newsdesk leaves nothing in the user's home folder: every command runs with HOME and the XDG folders
pointed at an empty folder, which must stay empty (or hold only the archive, when the archive is there).

Found this way: onnxruntime's device id and telemetry queue (~/.cache/Microsoft/DeveloperTools),
matplotlib's font cache and config folder (~/.cache/matplotlib, ~/.config/matplotlib).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import SEED_FILE, run_cli

import assistant  # noqa: F401  (first: it switches huggingface_hub, which gradio_client loads, to offline mode)
from gradio_client import Client  # noqa: E402
from ui_server import chat_process, free_port

QUESTIONS = [
    {"id": "q1", "question": "What did Hungary commit to?", "answer": "not to veto the proposal"},
    {"id": "q2", "question": "Where is the NATO-Ukraine training centre being prepared?", "answer": "Poland"},
]


def user_folder_env(user: Path, archive: Path) -> dict[str, str]:
    """The environment of a user whose home folder is ``user`` (XDG folders inside it, as by default
    and as set explicitly), with the archive at ``archive``."""
    xdg = {name: str(user / folder) for name, folder in (
        ("XDG_CACHE_HOME", ".cache"), ("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"))}
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("XDG_", "MPLCONFIGDIR", "HF_HOME", "GRADIO_"))}
    return {**env, **xdg, "HOME": str(user), "NEWSDESK_HOME": str(archive)}


def everything_under(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def run_commands(tmp_path: Path, env: dict[str, str]) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    run_cli("ingest", str(SEED_FILE), env=env, check=True)
    run_cli("ask", "What did Hungary commit to?", env=env, check=True)
    run_cli("eval", str(questions), "--out", str(tmp_path / "report"), env=env, check=True)  # plots: matplotlib
    assert (tmp_path / "report" / "report.json").exists()


def test_ingest_ask_eval_and_the_chat_leave_the_users_home_empty(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    env = user_folder_env(user, tmp_path / "archive")
    run_commands(tmp_path, env)
    with chat_process(free_port(), env=env) as url:
        import httpx

        assert httpx.get(url, timeout=30).status_code == 200
        chat, _ = Client(url, verbose=False).predict("What did Hungary commit to?", [], [], None, None, api_name="/ask")
        assert "Hungary promised not to veto" in json.dumps(chat)
    assert everything_under(user) == [], "written into the user's home folder"


def test_an_archive_inside_the_users_home_is_all_that_appears_there(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    run_commands(tmp_path, user_folder_env(user, user / "newsdesk"))
    assert [path.name for path in user.iterdir()] == ["newsdesk"]
