"""Does the evidence support the claim? ``verify(claim, evidence) -> Verdict``, offline.

The pipeline: find the deciding sentence(s) of the evidence (``select``), run the structured checks
against them (numbers and dates in words or digits, negation scope, antonyms, names, who did what to
whom: ``features``), and combine everything, with MiniLM cosines, in a small logistic regression
(``model``, weights in ``assistant/models/verifier/``). A structured conflict (a number or date the
evidence gives otherwise, a negated or opposite verb, swapped roles, content the deciding sentences
do not hold at all: most of the claim's words, names aside, absent and a low MiniLM cosine) vetoes
support whatever the model says; a claim found verbatim in the evidence is always supported. ``verify_with_llm`` (in
``llm``) is the optional second reader for an OpenAI-compatible endpoint.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from assistant.verifier import crossenc
from assistant.verifier.features import CE_FEATURE, Analysis, analyse
from assistant.verifier.model import LogisticModel, load_model
from assistant.verifier.select import Embeddings

SUPPORTED, CONTRADICTED, NOT_ENOUGH_INFO = "supported", "contradicted", "not enough info"

__all__ = ["Verdict", "verify", "decide", "find_veto", "shared_embeddings", "SUPPORTED", "CONTRADICTED", "NOT_ENOUGH_INFO",
           "verify_with_llm", "LLMVerdict"]


@dataclass(frozen=True)
class Verdict:
    supported: bool
    score: float  # calibrated probability that the claim is supported, 0-1 (>= 0.5 iff supported)
    label: str  # "supported" | "contradicted" | "not enough info"
    reason: str  # one line
    spans: list[tuple[int, int]] = field(default_factory=list)  # offsets into the evidence

    def to_dict(self) -> dict:
        return {"supported": self.supported, "label": self.label, "score": round(self.score, 4),
                "reason": self.reason, "spans": [list(s) for s in self.spans]}


_EMBEDDINGS: Embeddings | None = None
_EMB_LOCK = threading.Lock()


def shared_embeddings(threads: int = 1) -> Embeddings:
    """The process-wide sentence-vector cache the verifier uses by default."""
    global _EMBEDDINGS
    with _EMB_LOCK:
        if _EMBEDDINGS is None:
            _EMBEDDINGS = Embeddings(threads=threads)
        return _EMBEDDINGS


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def decide(analysis: Analysis, model: LogisticModel) -> tuple[bool, float, str, str]:
    """(supported, calibrated score, label, reason) from an analysis and a model."""
    x = analysis.vector(model.names)
    for i, name in enumerate(model.names):  # a feature that could not be computed counts as average
        if name not in analysis.features:
            x[i] = model.mean[i]
    z = float(model.logit(x[None, :])[0])
    score = model.calibrated(z)
    quote = " ".join(analysis.window.split())  # one line
    short = (quote[:90] + "...") if len(quote) > 93 else quote
    if analysis.verbatim:
        return True, max(score, 0.97), SUPPORTED, "the claim is quoted verbatim from the evidence"
    veto = find_veto(analysis, model.vetoes, short)
    if veto:
        return False, min(score, 0.2), veto[0], veto[1]
    if score >= 0.5:
        return True, score, SUPPORTED, f"supported by: \"{short}\""
    missing = ", ".join(analysis.novel[:4])
    reason = f"the evidence does not say it (closest: \"{short}\")" + (f"; unmatched: {missing}" if missing else "")
    return False, score, NOT_ENOUGH_INFO, reason


def find_veto(analysis: Analysis, vetoes, short: str = "") -> tuple[str, str] | None:
    """(label, reason) of the first structured conflict among ``vetoes``, or None."""
    vetoes = set(vetoes)
    if "number" in vetoes and analysis.missing_numbers:
        # a small count ("two black holes") vetoes only where the deciding sentences give numbers
        other = _has_numbers(analysis)
        small = _has_numbers(analysis, below=1000)  # not years: "two films" vs "a 2014 film"
        if small or any(v > 10 or not float(v).is_integer() for v in analysis.missing_numbers):
            label = CONTRADICTED if other else NOT_ENOUGH_INFO
            return label, f"the evidence does not give {', '.join(_fmt(v) for v in analysis.missing_numbers[:3])}"
    if "number" in vetoes and analysis.ordinals:
        said, instead = analysis.ordinals[0]
        return CONTRADICTED, f"'{said}' where the evidence says '{instead}'"
    if "actor" in vetoes and analysis.actor:
        said, instead = analysis.actor
        return CONTRADICTED, f"the evidence says {instead} did it, not {said}"
    if "date" in vetoes and analysis.date_conflicts:
        return CONTRADICTED, "the evidence gives another date"
    if "polarity" in vetoes and analysis.polarity:
        from assistant.verifier.polarity import surface

        word = surface(analysis.window, sorted(analysis.polarity)[0])
        return CONTRADICTED, f"negation differs on '{word}' in: \"{short}\""
    if "antonym" in vetoes and analysis.antonyms:
        word, opposite = analysis.antonyms[0]
        return CONTRADICTED, f"'{word}' where the evidence says '{opposite}'"
    if "swap" in vetoes and analysis.swap:
        return CONTRADICTED, f"{analysis.swap[0]} and {analysis.swap[1]} swap roles against: \"{short}\""
    if "title" in vetoes and analysis.titles:
        said, held = analysis.titles[0]
        return CONTRADICTED, f"the evidence gives the title '{said}' to someone else" if said == held else \
            f"'{said}' where the evidence says '{held}'"
    if "place" in vetoes and analysis.places:
        return NOT_ENOUGH_INFO, f"the evidence never mentions {analysis.places[0]}"
    if "substitution" in vetoes and analysis.substituted:
        said, instead = analysis.substituted[0]
        return CONTRADICTED, f"'{said}' where the evidence names '{instead}'"
    if "clause" in vetoes and analysis.added_clause:
        return NOT_ENOUGH_INFO, f"the evidence does not hold: \"{analysis.added_clause[:80]}\""
    if "unrelated" in vetoes and analysis.unrelated:
        return NOT_ENOUGH_INFO, f"the evidence says nothing like it (closest: \"{short}\")"
    if "name" in vetoes and analysis.missing_names:
        return NOT_ENOUGH_INFO, f"the evidence never names {', '.join(analysis.missing_names[:3])}"
    return None


def _has_numbers(analysis: Analysis, below: float = float("inf")) -> bool:
    from assistant.verifier.numbers import quantities

    return any(v < below for v in quantities(analysis.window))


def verify(claim: str, evidence: str, *, model: LogisticModel | None = None,
           embeddings: Embeddings | None | bool = True, allowed_numbers: set[float] = frozenset(),
           crossencoder: bool = True) -> Verdict:
    """Judge whether ``evidence`` (a sentence, passage or whole article) supports ``claim``.

    ``embeddings``: True (default) uses the shared MiniLM cache (``shared_embeddings()``); an
    ``Embeddings`` instance uses that one; False/None skips the cosines (their features count as
    average). ``crossencoder``: read the claim and its deciding sentences with the fine-tuned
    cross-encoder when the model uses it and its file is installed. ``allowed_numbers``: values the claim may state without the evidence (e.g. the
    publication date's year and day). ``model``: the shipped model unless given (the benchmark
    passes cross-validation folds).
    """
    claim = (claim or "").strip()
    if not claim or not (evidence or "").strip():
        return Verdict(False, 0.0, NOT_ENOUGH_INFO, "empty claim or evidence", [])
    model = model or load_model()
    emb = shared_embeddings() if embeddings is True else (embeddings or None)
    use_ce = crossencoder and CE_FEATURE in model.names and crossenc.available()
    try:
        analysis = analyse(claim, evidence, emb, allowed_numbers, use_ce)
    except (ImportError, OSError, RuntimeError):  # no embedding model installed: judge without cosines
        analysis = analyse(claim, evidence, None, allowed_numbers, use_ce)
    supported, score, label, reason = decide(analysis, model)
    return Verdict(supported, float(score), label, " ".join(reason.split()), analysis.spans)


def __getattr__(name: str):  # the LLM reader imports openai lazily
    if name in ("verify_with_llm", "LLMVerdict"):
        from assistant.verifier import llm

        return getattr(llm, name)
    raise AttributeError(name)

