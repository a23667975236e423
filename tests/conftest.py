"""Shared fixtures. Every test runs with outside networking refused (tests/netguard)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NETGUARD = Path(__file__).parent / "netguard"
sys.path.insert(0, str(NETGUARD))
import sitecustomize as netguard  # noqa: E402  (installs the guard in this process)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BUNDLED = REPO / "assistant" / "sample_data"
SEED_FILE = BUNDLED / "seed" / "nato-ukraine-training-2024-06-14.txt"
MHRAG = SHARED / "data" / "mhrag-lite"
MHRAG_CORPUS = MHRAG / "corpus.jsonl" if (MHRAG / "corpus.jsonl").exists() else BUNDLED / "mhrag-lite" / "corpus.jsonl"
HUNGARY_SENTENCE = "However, Hungary promised not to veto the proposal as long as it was not forced to participate."


@pytest.fixture(scope="session", autouse=True)
def netguard_log(tmp_path_factory) -> Path:
    log = tmp_path_factory.mktemp("netguard") / "attempts.log"
    log.touch()
    os.environ["NEWSDESK_NETGUARD_LOG"] = str(log)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), str(REPO), os.environ.get("PYTHONPATH")]))
    return log


@pytest.fixture(autouse=True)
def no_outside_connections(netguard_log: Path, monkeypatch, tmp_path):
    """Fails the test if it (or a subprocess) tried to reach anything but loopback."""
    for name in list(os.environ):
        if name.startswith("NEWSDESK_") and name != "NEWSDESK_NETGUARD_LOG" or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name)
    # Answers do not depend on which extras are installed: with newsdesk[local] present, "auto"
    # would pick the local model. Tests of the choice itself delete this variable.
    monkeypatch.setenv("NEWSDESK_ANSWERER", "extractive")
    monkeypatch.chdir(tmp_path)  # no stray newsdesk.toml from the caller's folder
    before = len(netguard.attempts), netguard_log.read_text()
    yield
    assert netguard.attempts[before[0]:] == [], f"outside connections attempted: {netguard.attempts[before[0]:]}"
    assert netguard_log.read_text() == before[1], "a subprocess attempted an outside connection"


def make_newsdesk(home: Path, **overrides):
    from assistant.app import Newsdesk
    from assistant.settings import load_settings

    return Newsdesk(load_settings(home=home, **overrides))


@pytest.fixture(scope="session")
def seed_home(tmp_path_factory) -> Path:
    """A home with only the seed article ingested (shared by read-only tests)."""
    home = tmp_path_factory.mktemp("seed-home")
    report = make_newsdesk(home).ingest([SEED_FILE])
    assert report.chunks_added >= 1 and not report.failed
    return home


@pytest.fixture(scope="session")
def seed_desk(seed_home):
    return make_newsdesk(seed_home, answerer="extractive")


@pytest.fixture(scope="session")
def mhrag_home(tmp_path_factory) -> Path:
    """A home with the mhrag-lite corpus ingested once per session (~15 s; shared by read-only tests)."""
    home = tmp_path_factory.mktemp("mhrag-home")
    report = make_newsdesk(home).ingest([MHRAG_CORPUS])
    assert report.chunks_added >= 300 and not report.failed
    return home


def run_cli(*args: str, home: Path | None = None, env: dict | None = None, check: bool = False, timeout: int = 300):
    """Run ``newsdesk`` in a fresh process (the netguard applies there too)."""
    full_env = {**os.environ, **(env or {})}
    if home is not None:
        full_env["NEWSDESK_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=full_env, timeout=timeout
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"newsdesk {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def cli_json(*args: str, home: Path | None = None, env: dict | None = None):
    proc = run_cli(*args, "--json", home=home, env=env)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.fixture
def openai_server():
    from openai_server import OpenAITestServer

    with OpenAITestServer() as server:
        yield server
