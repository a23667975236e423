"""Bounded server memory: per-session state is capped, freed heap is handed back, and the load
benchmark's memory figures are computed correctly."""

from __future__ import annotations

import platform

import pytest

from ingest import memory
from assistant.render import card_id
from assistant.ui import Conversation
from eval.benchmarks.load import slope_per_minute, sparkline


def test_conversation_keeps_only_the_newest_turns_but_keeps_counting():
    conversation = Conversation()
    for turn in range(1, Conversation.KEPT_TURNS + 6):
        conversation.turns += 1
        conversation.remember(f"q{turn}", f"a{turn}", f'<div id="{card_id(turn, 1)}"></div>')
    assert conversation.turns == Conversation.KEPT_TURNS + 5
    assert len(conversation.pairs) == len(conversation.groups) == Conversation.KEPT_TURNS
    assert conversation.pairs[0] == ("q6", "a6") and conversation.pairs[-1][0] == f"q{Conversation.KEPT_TURNS + 5}"
    assert card_id(Conversation.KEPT_TURNS + 5, 1) in conversation.groups[-1][1]


def test_conversations_do_not_share_lists():
    first, second = Conversation(), Conversation()
    first.remember("q", "a", "cards")
    assert second.pairs == [] and second.groups == []


@pytest.mark.skipif(memory._malloc_trim is None, reason="C library without malloc_trim")
def test_heap_trim_runs_at_most_once_per_interval():
    start = 1e9  # far from any real monotonic clock value another test may have used
    assert memory.release_free_heap(now=start) is True
    assert memory.release_free_heap(now=start + memory.MIN_INTERVAL_S / 2) is False
    assert memory.release_free_heap(now=start + memory.MIN_INTERVAL_S) is True


def test_heap_trim_is_available_on_glibc():
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is a glibc function")
    assert memory._malloc_trim is not None


def test_slope_is_mib_per_minute_and_zero_for_flat_or_too_few_samples():
    assert slope_per_minute([(t, 100 + 0.5 * t) for t in range(30)]) == pytest.approx(30.0)
    assert slope_per_minute([(t, 400.0) for t in range(30)]) == 0.0
    assert slope_per_minute([(0.0, 400.0)]) == 0.0


def test_sparkline_scales_between_low_and_high_and_buckets_long_runs():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, 5, 5]) == "▁▁▁"
    assert len(sparkline(list(range(600)), width=60)) == 60
    assert sparkline([]) == ""


def test_answers_do_not_grow_the_sessions_page_state(seed_home):
    """Gradio 6 adds blocks to a session's config for every event that returns ``gr.skip()``;
    the answer stream must never do that, or each answer grows the server's memory."""
    from gradio_client import Client

    from assistant.ui import launch
    from conftest import make_newsdesk
    from ui_server import free_port

    page = launch(make_newsdesk(seed_home, port=free_port(), answerer="extractive"), block=False)
    try:
        client = Client(page.local_url, verbose=False)
        sizes = []
        for _ in range(3):
            chat, _cards = client.predict("What did Hungary commit to?", [], [], None, None, api_name="/ask")
            assert "nd-marker" in str(chat[-1]["content"])
            sizes.append(sum(len(state.blocks_config.blocks) for state in page.state_holder.session_data.values()))
        assert sizes[0] == sizes[-1], sizes
    finally:
        page.close()


INGEST_ARENAS = """
import ctypes, sys
from pathlib import Path
from assistant.app import Newsdesk
from assistant.settings import load_settings
report = Newsdesk(load_settings(home=Path(sys.argv[1]), embed_workers=2)).ingest([Path(sys.argv[2])])
assert report.chunks_added > 8, report.chunks_added  # more than one batch: both workers ran
ctypes.CDLL("libc.so.6").malloc_stats()
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")
def test_an_ingest_keeps_its_embedding_threads_to_the_arena_cap(tmp_path):
    """Each embedding thread with an arena of its own strands the tensors it freed there (an ingest of
    300 real articles peaked at 1,596 MiB against 1,251 with the cap); glibc would give the ingest
    thread and both workers their own."""
    import os
    import subprocess
    import sys

    from conftest import SEED_FILE

    article = tmp_path / "long-article.txt"  # some 20 chunks: several batches of 8
    article.write_text(SEED_FILE.read_text(encoding="utf-8") * 10, encoding="utf-8")

    def arenas(env_cap: str | None) -> int:
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
        if env_cap:
            env["MALLOC_ARENA_MAX"] = env_cap  # an operator's value wins over the ingest's cap
        done = subprocess.run([sys.executable, "-c", INGEST_ARENAS, str(tmp_path / f"home-{env_cap}"), str(article)],
                              env=env, capture_output=True, text=True, timeout=300, check=True)
        return done.stderr.count("Arena ")

    assert arenas(None) <= memory.MALLOC_ARENAS < arenas("8")
