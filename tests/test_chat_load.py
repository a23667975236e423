"""The chat page under many sessions: answers at once sized for the cores, a bounded queue that turns
the surplus away at once, and a bounded number of conversations kept in memory. (The figures under
load come from eval/benchmarks/load.py.)"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time

import pytest
from conftest import SEED_FILE, make_newsdesk

import assistant  # noqa: F401  (offline environment before gradio loads)
from gradio_client import Client  # noqa: E402
from gradio_client.utils import Status  # noqa: E402
from openai_server import OpenAITestServer
from ui_server import free_port

QUESTION = "What did Hungary commit to?"


def test_answers_at_once_follow_the_cores_unless_set(tmp_path):
    from assistant.serving import answers_at_once, queue_size, usable_cores
    from assistant.settings import load_settings

    assert usable_cores() == len(os.sched_getaffinity(0))
    default = load_settings(home=tmp_path)
    assert answers_at_once(default) == min(8, 2 * usable_cores())
    assert queue_size(default) == 16 * answers_at_once(default)
    chosen = load_settings(home=tmp_path, chat_concurrency=3, chat_queue_size=5)
    assert (answers_at_once(chosen), queue_size(chosen)) == (3, 5)


def wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_full_queue_turns_a_question_away_and_old_conversations_are_let_go(tmp_path):
    from assistant.ui import launch

    home = tmp_path / "home"
    make_newsdesk(home).ingest([SEED_FILE])
    with OpenAITestServer() as llm:
        llm.pause = (0, 1.5)  # each answer takes 1.5 s: long enough to fill the queue behind it
        nd = make_newsdesk(home, port=free_port(), answerer="openai", llm_base_url=llm.base_url, llm_max_retries=0,
                           llm_timeout=10, chat_concurrency=1, chat_queue_size=1, chat_sessions=2)
        page = launch(nd, block=False)
        try:
            clients = [Client(page.local_url, verbose=False) for _ in range(3)]
            answering = clients[0].submit(QUESTION, [], [], None, None, api_name="/ask")
            wait_for(lambda: llm.requests)  # the one answer slot is taken
            waiting = clients[1].submit(QUESTION, [], [], None, None, api_name="/ask")
            wait_for(lambda: waiting.status().code == Status.IN_QUEUE)
            turned_away = clients[2].submit(QUESTION, [], [], None, None, api_name="/ask")
            with pytest.raises(Exception, match="Queue is full"):
                turned_away.result(timeout=30)
            for job in (answering, waiting):
                chat, _ = job.result(timeout=60)
                assert chat[-1]["role"] == "assistant"
            assert len(llm.requests) == 2
            assert len(page.state_holder.session_data) <= 2  # three sessions came; two are kept
        finally:
            page.close()


ARENAS = """
import ctypes, threading
if {limit}:
    from ingest.memory import limit_arenas  # importing ingest sets the cap already; so does this
    assert limit_arenas(2)
ready = threading.Barrier(8)
def work():
    kept = [bytes(2000) for _ in range(500)]  # past Python's small-object allocator: malloc's own
    ready.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
ctypes.CDLL("libc.so.6").malloc_stats()
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")
def test_the_arena_cap_holds_for_threads_started_after_it():
    def arenas(limit: bool) -> int:
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
        done = subprocess.run([sys.executable, "-c", ARENAS.format(limit=limit)], env=env, capture_output=True,
                              text=True, timeout=60, check=True)
        return done.stderr.count("Arena ")

    assert arenas(limit=True) <= 2 < arenas(limit=False)
