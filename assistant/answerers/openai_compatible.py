"""The OpenAI-compatible answerer: any OpenAI-compatible chat endpoint through llama-index.

Also the client it uses (``build_llm``, one retry layer) and the readable, key-free error lines
(``describe_llm_error``) the LLM judge shares.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from assistant.answerers.generative import GenerativeAnswerer
from ingest.embedding import MiniLMEmbedding
from ingest.settings import redact_url, without_url_password
from assistant.settings import Settings


class OpenAIAnswerer(GenerativeAnswerer):
    """Any OpenAI-compatible chat endpoint through llama-index."""

    name = "openai"

    def __init__(self, settings: Settings, embedder: MiniLMEmbedding):
        super().__init__(settings, embedder)
        self.model = settings.llm_model
        self.llm = build_llm(settings)

    @staticmethod
    def _messages(messages: list[dict[str, str]]):
        from llama_index.core.llms import ChatMessage

        return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]

    def _chat(self, messages: list[dict[str, str]]) -> tuple[str, dict[str, int]]:
        response = self.llm.chat(self._messages(messages))
        return response.message.content or "", usage_of(response.raw)

    def _stream_chat(self, messages: list[dict[str, str]], usage: dict[str, int]) -> Iterator[str]:
        finished = started = False
        try:
            for chunk in self.llm.stream_chat(self._messages(messages)):
                started = True
                usage.update(usage_of(chunk.raw))
                finished = finished or finish_reason_of(chunk.raw) is not None
                if chunk.delta:
                    yield chunk.delta
        except Exception as exc:
            # a stream is not retried once it has begun: the wait that ran out was one pause
            if started and is_timeout(exc):
                raise IncompleteReply(f"the reply stopped mid-stream: nothing more came within "
                                      f"{self.settings.llm_timeout:g} s (NEWSDESK_LLM_TIMEOUT)") from None
            raise
        if not finished:  # a stream that broke off, or a reply that was no chat completion at all
            raise IncompleteReply("the reply ended before the model said it had finished (no finish_reason)")

    def describe_error(self, exc: Exception) -> str:
        return describe_llm_error(exc, self.settings)


class IncompleteReply(RuntimeError):
    """The endpoint's streamed reply stopped before a chunk with a ``finish_reason``."""


def finish_reason_of(raw) -> str | None:
    """The first choice's ``finish_reason`` in an OpenAI chunk (object or dict), or None."""
    choices = raw.get("choices") if isinstance(raw, dict) else getattr(raw, "choices", None)
    if not choices:
        return None
    first = choices[0]
    return first.get("finish_reason") if isinstance(first, dict) else getattr(first, "finish_reason", None)


def usage_of(raw) -> dict[str, int]:
    """Token counts from an OpenAI response or chunk (object or dict); empty when it has none."""
    usage = raw.get("usage") if isinstance(raw, dict) else getattr(raw, "usage", None)
    if usage is None:
        return {}
    get = usage.get if isinstance(usage, dict) else lambda key: getattr(usage, key, None)
    return {key: int(get(key)) for key in ("prompt_tokens", "completion_tokens") if get(key) is not None}


def is_timeout(exc: Exception) -> bool:
    return "timed out" in str(exc).lower() or "timeout" in type(exc).__name__.lower()


def status_error_detail(exc: Exception) -> str | None:
    """``HTTP 401: Incorrect API key provided`` for an openai status error, from the body's message
    rather than the Python dict the exception prints; None for other errors."""
    status = getattr(exc, "status_code", None)
    if not isinstance(status, int):
        return None
    body = getattr(exc, "body", None)
    detail = None
    if isinstance(body, dict):
        error = body.get("error", body)
        detail = error.get("message") if isinstance(error, dict) else error
    elif isinstance(body, str):
        detail = body
    detail = " ".join(str(detail).split())[:300] if detail else getattr(exc, "message", "") or type(exc).__name__
    return f"HTTP {status}: {detail}"


def describe_llm_error(exc: Exception, settings: Settings) -> str:
    """One readable line; never includes the API key."""
    where = redact_url(settings.llm_base_url) or "api.openai.com"
    message = status_error_detail(exc) or (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    if isinstance(exc, (IndexError, KeyError, TypeError, AttributeError, ValueError)) and not isinstance(exc, IncompleteReply):
        # what llama-index or openai raise reading a body that is no chat completion ("choices": [])
        message = f"its reply was not an OpenAI chat completion ({type(exc).__name__}: {message})"
    elif message.rstrip(".") == "Connection error" and exc.__cause__ is not None and str(exc.__cause__):
        message = f"Connection error ({str(exc.__cause__).splitlines()[0]})"  # "[Errno 111] Connection refused"
    message = without_url_password(message, settings.llm_base_url)
    if settings.llm_api_key is not None:
        message = message.replace(settings.llm_api_key.get_secret_value(), "***")
    if is_timeout(exc):
        tries = settings.llm_max_retries + 1
        message += (f" (no reply within {settings.llm_timeout:g} s, {tries} tr{'ies' if tries > 1 else 'y'}; "
                    "NEWSDESK_LLM_TIMEOUT and NEWSDESK_LLM_MAX_RETRIES set these)")
    return f"the language model at {where} failed: {message}"


def build_llm(settings: Settings):
    """A llama-index OpenAI / OpenAILike client with one retry layer, ``llm_max_retries`` deep.

    llama-index wraps non-streaming calls in its own retry loop around the openai client's, so
    ``max_retries=2`` made 6 requests (12 for 3) and logged each retry unredacted; here its loop is
    off and the openai client alone retries.
    """
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    common = dict(
        model=settings.llm_model,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=0,  # llama-index's own retry loop: off (see above)
        max_tokens=settings.llm_max_tokens,
    )
    if settings.llm_base_url or not knows_model(settings.llm_model):
        # A model name llama-index's OpenAI class does not list (one newer than the installed
        # llama-index) goes to api.openai.com as OpenAILike, which needs no list: the server says
        # whether it serves it, instead of llama-index refusing with its whole list of names.
        from llama_index.llms.openai_like import OpenAILike

        llm = one_retry_layer(OpenAILike)(
            api_base=settings.llm_base_url or OPENAI_API_BASE,
            api_key=key or "not-needed",
            is_chat_model=True,
            context_window=settings.llm_context_window,
            **common,
        )
    else:
        from llama_index.llms.openai import OpenAI

        llm = one_retry_layer(OpenAI)(api_key=key, **common)
    llm._client_retries = settings.llm_max_retries
    return llm


OPENAI_API_BASE = "https://api.openai.com/v1"


def knows_model(model: str) -> bool:
    """Whether llama-index's OpenAI class lists the model (it looks up the context window by name)."""
    from llama_index.llms.openai.utils import openai_modelname_to_contextsize

    try:
        openai_modelname_to_contextsize(model)
    except ValueError:
        return False
    return True


@cache
def one_retry_layer(base: type) -> type:
    """``base`` whose openai client retries ``_client_retries`` times while llama-index's loop is off."""
    from pydantic import PrivateAttr

    class OneRetryLayer(base):
        _client_retries: int = PrivateAttr(default=0)

        def _get_credential_kwargs(self, is_async: bool = False) -> dict:
            return {**super()._get_credential_kwargs(is_async), "max_retries": self._client_retries}

    OneRetryLayer.__name__ = base.__name__
    return OneRetryLayer
