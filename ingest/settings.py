"""The archive's settings: where it lives (a folder, or a Chroma server) and how articles are
chunked and embedded.

Precedence, lowest first: defaults < ``newsdesk.toml`` (or the file named by ``NEWSDESK_CONFIG``)
< environment variables ``NEWSDESK_*`` < explicit keyword arguments. The answering layer's
``assistant.settings.Settings`` extends this class with retrieval, answering and chat settings.
"""

from __future__ import annotations

import os
import re
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ingest.embedding import MAX_BATCH_TOKENS

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


def _version() -> str:
    try:
        return metadata.version("newsdesk")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0.1.0"


USER_AGENT = f"Newsdesk/{_version()} (news archive reader; +https://github.com/newsdesk/newsdesk)"


def config_file() -> Path:
    return Path(os.environ.get("NEWSDESK_CONFIG", "newsdesk.toml"))


class ArchiveSettings(BaseSettings):
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
    embed_batch_tokens: int = Field(
        MAX_BATCH_TOKENS, ge=64, description="Padded tokens per ONNX batch at most (texts x the longest): bounds an ingest's "
        "memory; 512 peaked at half the memory of batches of 8 alone, and ran faster (see docs/settings.md).",
    )
    embed_workers: int = Field(
        2, ge=1, le=64, description="ONNX batches embedded at once by an ingest, each on embed_threads // embed_workers "
        "threads (measured on 2 shared cores: see docs/settings.md).",
    )
    chunk_tokens: int = Field(256, ge=32, le=256, description="Target chunk size in model tokens.")
    chunk_overlap_tokens: int = Field(32, ge=0, description="Tokens of trailing sentences repeated in the next chunk.")
    flush_chunks: int = Field(
        512, ge=1, description="Chunks embedded and written per durable step of an ingest (a kill loses at most one step)."
    )

    # the archive's embeddings from an OpenAI-compatible server (ingest.embedding_server) instead of the bundled MiniLM
    embed_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint (its /v1) that embeds the archive: vLLM, Ollama, "
        "text-embeddings-inference, OpenAI. Unset: the bundled MiniLM, offline.",
    )
    embed_model: str | None = Field(None, description="The embedding model the server is asked for; recorded on the collection.")
    embed_api_key: SecretStr | None = Field(None, description="Bearer key for the embedding server (never shown).")
    embed_request_size: int = Field(64, ge=1, le=2048, description="Texts per /v1/embeddings request.")
    embed_timeout: float = Field(60.0, gt=0, description="Seconds to wait for the embedding server's reply (each try).")
    embed_max_retries: int = Field(2, ge=0, le=10, description="Retries of a failed embedding request (refused, 429, 5xx).")
    embed_query_prefix: str = Field(
        "", description="Text put before each question sent to the embedding server (e5: 'query: '; bge: its retrieval instruction)."
    )
    embed_document_prefix: str = Field(
        "", description="Text put before each chunk sent to the embedding server (e5: 'passage: '); recorded with the model."
    )

    # reading URLs (ingest URL..., sync) and folding near-duplicates
    fetch_timeout: float = Field(15.0, gt=0, description="Seconds to connect to a URL, and to wait for each part of its response.")
    fetch_total_timeout: float = Field(60.0, gt=0, description="Most seconds one URL may take in all.")
    fetch_max_mb: float = Field(20.0, gt=0, le=1024, description="Largest response read from a URL, in MiB.")
    fetch_max_redirects: int = Field(5, ge=0, le=20, description="Redirects followed for one URL.")
    user_agent: str = Field(USER_AGENT, min_length=1, description="The User-Agent header sent with every request.")
    near_duplicate_threshold: float = Field(
        0.9, ge=0.8, le=1.0,
        description="Word-trigram Jaccard similarity at which a new story is folded into a stored one.",
    )

    @field_validator("chroma_url", "chroma_token", "embed_base_url", "embed_model", "embed_api_key", mode="before")
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
    def _embedding_server_named(self) -> ArchiveSettings:
        """A server without a model (or a model without a server) would silently embed with MiniLM."""
        if self.embed_base_url is not None:
            if urlsplit(self.embed_base_url).scheme not in ("http", "https"):
                raise ValueError(f"embed_base_url must look like http://host:port/v1, got {redact_url(self.embed_base_url)!r}")
            if self.embed_model is None:
                raise ValueError("embed_base_url is set but embed_model is not: name the server's embedding model "
                                 "(NEWSDESK_EMBED_MODEL)")
        elif self.embed_model is not None:
            raise ValueError("embed_model is set but embed_base_url is not: give the server's endpoint "
                             "(NEWSDESK_EMBED_BASE_URL, https://api.openai.com/v1 for OpenAI), or unset embed_model "
                             "for the bundled MiniLM")
        elif self.embed_query_prefix or self.embed_document_prefix:
            raise ValueError("embed_query_prefix / embed_document_prefix are set but embed_base_url is not: the bundled "
                             "MiniLM takes no prefixes; unset them, or give the embedding server they are for")
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
