"""Optional LLM judge (``newsdesk eval --judge``): correctness 1-5 against the reference answer, and
faithfulness, the share of cited claims that the cited quotes support. It uses the configured
OpenAI-compatible endpoint; prompts are ``prompts/judge_correctness.txt`` and ``judge_faithfulness.txt``.
"""

from __future__ import annotations

import re

import prompts
from assistant.answerers import AnswerError
from assistant.answerers.openai_compatible import build_llm, describe_llm_error
from assistant.cite import parse_markers
from assistant.settings import Settings
from assistant.types import Answer

_SCORE = re.compile(r"SCORE:\s*([1-5])\b", re.I)
_VERDICT = re.compile(r"\b(UNSUPPORTED|SUPPORTED)\b", re.I)


def fence(text: str) -> str:
    """Text placed between the prompt's tags; a closing tag inside it cannot end the fence."""
    return text.replace("</", "&lt;/")


def parse_score(reply: str) -> float | None:
    """The 1-5 grade in a ``SCORE: n`` reply; None when the reply has none."""
    match = _SCORE.search(reply)
    return float(match.group(1)) if match else None


def parse_verdict(reply: str) -> bool | None:
    """True for SUPPORTED, False for UNSUPPORTED (the first verdict word wins), None for neither."""
    match = _VERDICT.search(reply)
    return None if match is None else match.group(1).upper() == "SUPPORTED"


def cited_claims(answer: Answer) -> list[tuple[str, str]]:
    """(claim, the quotes of the citations it carries) for every answer sentence with a marker."""
    quotes = {c.n: c.quote for c in answer.citations}
    claims = []
    for sentence in parse_markers(answer.text):
        evidence = [quotes[n] for n in dict.fromkeys(sentence.markers) if n in quotes]
        if evidence:
            claims.append((sentence.text, "\n...\n".join(evidence)))
    return claims


class Judge:
    def __init__(self, settings: Settings):
        if not settings.llm_configured():
            raise ValueError("--judge needs an OpenAI-compatible endpoint: set NEWSDESK_LLM_BASE_URL or OPENAI_API_KEY")
        self.settings = settings
        self.model = settings.llm_model
        self.llm = build_llm(settings)

    def ask(self, prompt: str) -> str:
        try:
            return self.llm.complete(prompt).text or ""
        except Exception as exc:
            raise AnswerError("judge: " + describe_llm_error(exc, self.settings)) from None

    def correctness(self, question: str, reference: str, answer: str) -> float | None:
        prompt = prompts.load("judge_correctness").format(
            question=fence(question), reference=fence(reference), answer=fence(answer))
        return parse_score(self.ask(prompt))

    def faithfulness(self, answer: Answer) -> float | None:
        """Share of the cited claims judged SUPPORTED; None when no claim is cited or no verdict was readable."""
        verdicts = []
        for claim, evidence in cited_claims(answer):
            prompt = prompts.load("judge_faithfulness").format(claim=fence(claim), evidence=fence(evidence))
            verdict = parse_verdict(self.ask(prompt))
            if verdict is not None:
                verdicts.append(verdict)
        return sum(verdicts) / len(verdicts) if verdicts else None

    def scores(self, question: str, reference: str, answer: Answer) -> dict[str, float]:
        """The judge's scores of one answer: none for a refusal; correctness only with a reference answer."""
        if answer.refused:
            return {}
        found: dict[str, float] = {}
        if reference:
            score = self.correctness(question, reference, answer.text)
            if score is not None:
                found["judge_correctness"] = score
        faithful = self.faithfulness(answer)
        if faithful is not None:
            found["judge_faithfulness"] = faithful
        return found
