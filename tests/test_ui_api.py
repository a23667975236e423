"""The chat page served for real on 127.0.0.1 and driven through its own API (gradio_client).

One extractive page and one page backed by the OpenAI-compatible test server are shared by the
module; each test uses its own client, that is its own browser session.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from conftest import HUNGARY_SENTENCE, SEED_FILE, make_newsdesk

import assistant  # noqa: F401  (first: it switches huggingface_hub, which gradio_client loads, to offline mode)
from gradio_client import Client  # noqa: E402
from openai_server import OpenAITestServer
from ui_server import serve

ARTICLES = [
    {"title": "Harbour plant approved", "source": "Harbour Times", "published_at": "2023-03-01",
     "url": "https://harbour.example/plant",
     "body": "The Zephyr harbour council approved the desalination plant on Tuesday. "
             "The Zephyr desalination plant will cost 40 million euros."},
    {"title": "Tunnel under the ridge", "source": "Valley Post", "published_at": "2023-11-20",
     "url": "https://valley.example/tunnel",
     "body": "The Lindqvist regional board approved a new rail tunnel under the ridge. "
             "The Lindqvist rail tunnel will cost 2 billion kronor. "
             "Construction of the Lindqvist tunnel starts next spring."},
]
MODEL = "newsdesk-test-model"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui-api-home")
    articles = home.parent / "ui-api-articles.jsonl"
    articles.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    report = make_newsdesk(home).ingest([SEED_FILE, articles])
    assert report.documents == 3 and not report.failed
    return home


@pytest.fixture(scope="module")
def page(home):
    with serve(home, answerer="extractive") as (url, _):
        yield url


def quote_passage_one(body: dict) -> str:
    """The scripted model: answers with the sentences of passage 1, each cited; condenses follow-ups."""
    prompt = body["messages"][-1]["content"]
    if not body.get("stream"):  # the follow-up condenser: hand back the last message unchanged
        return re.search(r"Last message: (.*)", prompt).group(1)
    passage = re.search(r'<passage n="1"[^>]*>\n(.*?)\n</passage>', prompt, re.S).group(1)
    return " ".join(f"{s[:-1]} [1]{s[-1]}" for s in re.split(r"(?<=[.!?])\s+", passage.strip()))


@pytest.fixture(scope="module")
def llm():
    with OpenAITestServer() as server:
        server.default_reply = quote_passage_one
        yield server


@pytest.fixture(scope="module")
def llm_page(home, llm):
    with serve(home, answerer="openai", llm_base_url=llm.base_url, llm_model=MODEL, llm_max_retries=0,
               llm_timeout=10, top_k=1) as (url, _):
        yield url


def ask(client: Client, question: str, chat=(), sources=(), since=None, until=None):
    chat, cards = client.predict(question, list(chat), list(sources), since, until, api_name="/ask")
    return chat, cards


def text(message: dict) -> str:
    """A chat message's text as the page shows it (Markdown escapes removed)."""
    content = message["content"]
    raw = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
    return re.sub(r"\\(.)", r"\1", raw)


def test_app_answers_one_question_through_its_api(page):
    client = Client(page, verbose=False)
    chat, cards = ask(client, "What did Hungary commit to?")
    assert [m["role"] for m in chat] == ["user", "assistant"]
    answer = text(chat[1])
    assert HUNGARY_SENTENCE in answer
    assert '<a class="nd-marker" href="#nd-s1-1"' in answer
    assert "Answered by extractive · all-MiniLM-L6-v2 sentence ranking" in answer
    assert 'id="nd-s1-1"' in cards and f"<mark>{HUNGARY_SENTENCE}</mark>" in cards


def test_check_a_draft_marks_each_claim_with_its_source(page):
    client = Client(page, verbose=False)
    html_out = client.predict("The Zephyr desalination plant will cost 40 million euros. "
                              "The Lindqvist rail tunnel will cost 5 billion kronor. <b>Bold</b> claims stay text here.",
                              api_name="/check")
    assert "1 supported · 1 contradicted · 1 not found" in html_out
    assert '<span class="nd-ok">supported</span> The Zephyr desalination plant will cost 40 million euros.' in html_out
    assert '<span class="nd-failed">contradicted</span> The Lindqvist rail tunnel will cost 5 billion kronor.' in html_out
    assert "<mark>The Lindqvist rail tunnel will cost 2 billion kronor.</mark>" in html_out
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html_out and "<b>Bold</b>" not in html_out
    assert "Paste a draft" in client.predict("  ", api_name="/check")


def newest(cards: str) -> str:
    """The newest answer's cards (earlier answers' cards are folded in <details> after them)."""
    return cards.split("<details>")[0]


def test_filters_apply_to_retrieval(page):
    client = Client(page, verbose=False)
    _, cards = ask(client, "What did Hungary commit to?", sources=["Valley Post"])
    assert "Hungary promised" not in cards
    assert "Valley Post" in cards or "no article found answers the question" in cards
    _, cards = ask(client, "What did Hungary commit to?", since="2024-06-01")
    assert HUNGARY_SENTENCE in newest(cards)
    chat, cards = ask(client, "What did Hungary commit to?", until="2024-01-01")
    assert "Hungary promised" not in newest(cards)
    assert "filtered to until 2024-01-01" in text(chat[-1])


def test_refusal_is_plain_when_the_archive_lacks_the_answer(tmp_path):
    with serve(tmp_path / "empty", answerer="extractive") as (url, _):
        chat, cards = ask(Client(url, verbose=False), "Who won the 1930 World Cup?")
    assert "The archive does not say" in text(chat[-1]) and 'class="nd-refused"' in text(chat[-1])
    assert "no article was found to answer from" in cards  # an empty archive


def test_answer_streams_and_names_the_model(llm_page):
    client = Client(llm_page, verbose=False)
    job = client.submit("What did the Lindqvist regional board approve?", [], [], None, None, api_name="/ask")
    job.result(timeout=60)
    replies = [text(out[0][-1]) for out in job.outputs() if out[0] and out[0][-1]["role"] == "assistant"]
    final = replies[-1]
    assert "The Lindqvist regional board approved a new rail tunnel under the ridge" in final
    assert f"Answered by openai · {MODEL}" in final
    from assistant.ui import WAITING

    assert replies[0] == WAITING  # said at once, before retrieval and the model
    # what has arrived, without the line under it that says the stage (searching, reading, checking)
    arrived = [re.sub(r'\s*<span class="nd-stage">[^<]*</span>$', "", r) for r in replies[:-1]]
    growing = [r for r in arrived if r]
    assert len(growing) >= 2, replies  # the answer arrived sentence by sentence
    assert all(len(a) < len(b) and b.startswith(a) for a, b in zip(growing, growing[1:]))


def condense_prompts(server: OpenAITestServer, since: int) -> list[str]:
    return [r["messages"][-1]["content"] for r in server.requests[since:] if not r.get("stream")]


def test_follow_ups_use_each_sessions_own_history(llm_page, llm):
    alice, bob = Client(llm_page, verbose=False), Client(llm_page, verbose=False)
    chat_a, _ = ask(alice, "What did the Lindqvist regional board approve?")
    chat_b, _ = ask(bob, "What did Hungary commit to?")
    before = len(llm.requests)
    chat_a, cards_a = ask(alice, "What does it cost?", chat_a)
    (prompt,) = condense_prompts(llm, before)
    assert "User: What did the Lindqvist regional board approve?" in prompt
    assert "Assistant: The Lindqvist regional board approved a new rail tunnel" in prompt
    assert "Hungary" not in prompt and "Last message: What does it cost?" in prompt
    before = len(llm.requests)
    chat_b, _ = ask(bob, "Who agreed to it?", chat_b)
    (prompt,) = condense_prompts(llm, before)
    assert "User: What did Hungary commit to?" in prompt and "Lindqvist" not in prompt
    assert [m["role"] for m in chat_a] == ["user", "assistant"] * 2
    assert "Earlier: “What did the Lindqvist regional board approve?”" in cards_a


def test_llm_failure_is_a_readable_message_and_the_page_keeps_working(llm_page, llm):
    client = Client(llm_page, verbose=False)
    llm.fail_with = 500
    try:
        chat, _ = ask(client, "What did the Lindqvist regional board approve?")
    finally:
        llm.fail_with = None
    message = text(chat[-1])
    assert message.startswith('<span class="nd-error">Sorry, I could not answer: the language model at '
                              f"{llm.base_url} failed:")
    assert "Traceback" not in message and "File \"" not in message
    chat, cards = ask(client, "What did the Lindqvist regional board approve?", chat)
    assert f"Answered by openai · {MODEL}" in text(chat[-1]) and "Valley Post" in cards
    llm.fail_with = 503  # now the follow-up condenser is the first call to fail
    try:
        chat, _ = ask(client, "And what does it cost?", chat)
    finally:
        llm.fail_with = None
    assert "Sorry" in text(chat[-1]) and "Traceback" not in text(chat[-1])


def test_closed_llm_port_is_a_readable_message(home):
    from ui_server import free_port

    with serve(home, answerer="openai", llm_base_url=f"http://127.0.0.1:{free_port()}/v1", llm_max_retries=0,
               llm_timeout=5) as (url, _):
        chat, _ = ask(Client(url, verbose=False), "What did Hungary commit to?")
    assert "Sorry, I could not answer: the language model at http://127.0.0.1:" in text(chat[-1])
    assert "Connection error" in text(chat[-1])


def test_binds_to_loopback_unless_told(home):
    with serve(home, answerer="extractive") as (url, nd):
        assert nd.settings.host == "127.0.0.1" and url.startswith("http://127.0.0.1:")


def test_with_auth_an_unauthenticated_api_request_is_refused(home):
    with serve(home, answerer="extractive", auth="reader:correct horse") as (url, _):
        call = httpx.post(f"{url}/gradio_api/call/ask", json={"data": ["What did Hungary commit to?", [], [], None, None]})
        assert call.status_code == 401
        assert httpx.get(f"{url}/config").status_code == 401
        with pytest.raises(Exception):
            Client(url, verbose=False)
        with pytest.raises(Exception):
            Client(url, auth=("reader", "wrong"), verbose=False)
        chat, _ = ask(Client(url, auth=("reader", "correct horse"), verbose=False), "What did Hungary commit to?")
        assert HUNGARY_SENTENCE in text(chat[-1])


def test_chat_command_rejects_a_malformed_login_in_one_line(tmp_path):
    from conftest import run_cli

    proc = run_cli("chat", home=tmp_path, env={"NEWSDESK_AUTH": "s3cret-without-user"}, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: NEWSDESK_AUTH: expected user:password"]
    assert "s3cret" not in proc.stderr + proc.stdout
