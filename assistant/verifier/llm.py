"""An LLM as a second reader of a claim against its evidence (OpenAI-compatible endpoint).

``verify_with_llm(claim, evidence, client=..., model=...)`` sends ``prompts/verify_claim.txt`` and
reads back a label, a quote and a reason. The LLM's verdict counts only when its quote is found
verbatim in the evidence (spacing and curly quotes aside); otherwise, or when the call fails or the
reply cannot be read, the offline ``verify`` verdict stands and ``counted`` is False.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from assistant.verifier import CONTRADICTED, NOT_ENOUGH_INFO, SUPPORTED, Verdict, verify

LABELS = {"supported": SUPPORTED, "contradicted": CONTRADICTED, "not enough info": NOT_ENOUGH_INFO,
          "not_enough_info": NOT_ENOUGH_INFO, "nei": NOT_ENOUGH_INFO, "unsupported": NOT_ENOUGH_INFO,
          "refuted": CONTRADICTED}
MAX_EVIDENCE_CHARS = 24_000


@dataclass(frozen=True)
class LLMVerdict:
    verdict: Verdict  # the one to use: the LLM's when counted, else the offline one
    counted: bool  # the LLM's verdict was used (its quote was found verbatim)
    llm_label: str | None  # what the LLM said, counted or not
    quote: str | None
    raw: str  # the reply text ("" when the call failed)
    error: str | None = None


def build_prompt(claim: str, evidence: str) -> str:
    from prompts import load

    return load("verify_claim").format(claim=claim.strip(), evidence=evidence[:MAX_EVIDENCE_CHARS])


def parse_reply(text: str) -> tuple[str | None, str | None, str | None]:
    """(label, quote, reason) from the reply; Nones when it holds no readable JSON object."""
    match = re.search(r"\{.*\}", text or "", re.S)
    if not match:
        return None, None, None
    try:
        data = json.loads(match.group())
    except json.JSONDecodeError:
        return None, None, None
    if not isinstance(data, dict):
        return None, None, None
    label = LABELS.get(str(data.get("label", "")).strip().lower())
    quote = data.get("quote")
    reason = data.get("reason")
    return label, quote if isinstance(quote, str) else None, reason if isinstance(reason, str) else None


_FOLD = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


def find_quote(quote: str, evidence: str) -> tuple[int, int] | None:
    """Offsets of ``quote`` in ``evidence``, verbatim up to runs of whitespace and curly quotes."""
    quote = quote.strip().strip('"').strip()
    if len(quote) < 3:
        return None
    at = evidence.find(quote)
    if at >= 0:
        return at, at + len(quote)
    parts = [re.escape(p) for p in quote.translate(_FOLD).split()]
    folded = evidence.translate(_FOLD)  # same length as evidence: offsets carry over
    match = re.search(r"\s+".join(parts), folded)
    return (match.start(), match.end()) if match else None


def verify_with_llm(claim: str, evidence: str, client=None, *, settings=None, model: str | None = None,
                    offline: Verdict | None = None, temperature: float = 0.0, max_tokens: int = 300,
                    timeout: float | None = None) -> LLMVerdict:
    """Ask an OpenAI-compatible model; ``client`` is an ``openai.OpenAI`` (made from ``settings``'
    llm_base_url / llm_api_key / llm_timeout / llm_model when None). ``offline``: the offline verdict
    to fall back on (computed with ``verify`` when not given)."""
    if client is None:
        client = _client(settings, timeout)
    model = model or (settings.llm_model if settings is not None else "gpt-4o-mini")

    def fallback(why: str, raw: str = "", label: str | None = None, quote: str | None = None, error=None):
        base = offline or verify(claim, evidence)
        note = Verdict(base.supported, base.score, base.label, f"{base.reason} (LLM ignored: {why})", base.spans)
        return LLMVerdict(note, False, label, quote, raw, error)

    try:
        response = client.chat.completions.create(
            model=model, temperature=temperature, max_tokens=max_tokens,
            messages=[{"role": "user", "content": build_prompt(claim, evidence)}])
        raw = response.choices[0].message.content or ""
    except Exception as exc:  # noqa: BLE001 - any endpoint failure leaves the offline verdict
        return fallback(f"the call failed: {type(exc).__name__}", error=str(exc)[:300])
    label, quote, reason = parse_reply(raw)
    if label is None:
        return fallback("unreadable reply", raw)
    if not quote:
        return fallback("no quote given", raw, label)
    span = find_quote(quote, evidence)
    if span is None:
        return fallback("its quote is not in the evidence", raw, label, quote)
    supported = label == SUPPORTED
    line = (reason or "").strip().splitlines()[0] if (reason or "").strip() else f"the LLM judged it {label}"
    verdict = Verdict(supported, 0.9 if supported else 0.1, label, f"LLM: {line[:200]}", [span])
    return LLMVerdict(verdict, True, label, quote, raw)


def _client(settings, timeout: float | None):
    from openai import OpenAI

    if settings is None:
        raise ValueError("verify_with_llm needs a client or settings with llm_base_url / llm_api_key")
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
    return OpenAI(base_url=settings.llm_base_url, api_key=key, timeout=timeout or settings.llm_timeout,
                  max_retries=settings.llm_max_retries)
