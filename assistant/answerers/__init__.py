"""Answerers: turn a question and retrieved passages into a cited answer, or a refusal.

Every answerer has the same interface: ``answer(question, passages, history) -> Answer`` and
``stream(...)``, which yields text as it is produced and then the final ``Answer``.

One module per answerer: ``extractive`` (quotes, no model), ``generative`` (the draft-then-verify
base of the model-backed ones), ``openai_compatible`` (any OpenAI-compatible endpoint), ``local``
(a GGUF model through llama-cpp-python); ``choose`` picks one from the settings.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import prompts
from ingest.types import Passage
from assistant.types import Answer

History = Sequence[tuple[str, str]]  # (user message, assistant reply) pairs


class AnswerError(RuntimeError):
    """The answerer could not produce an answer (for example, the LLM endpoint is down)."""


class Answerer(Protocol):
    name: str
    model: str

    def answer(self, question: str, passages: list[Passage], history: History = ()) -> Answer: ...

    def stream(self, question: str, passages: list[Passage], history: History = ()) -> Iterator[str | Answer]: ...


def refusal(question: str, answerer: str, model: str, passages: list[Passage]) -> Answer:
    return Answer(question, prompts.load("refusal"), True, answerer, model, [], passages)

