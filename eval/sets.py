"""Question sets: JSONL, one question a line (``id``, ``question``, optional ``answer``,
``question_type``, ``evidence``: list of objects with ``url`` or ``doc_id`` and optional ``fact``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


class QuestionSetError(ValueError):
    """A question set that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    fact: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str = ""
    question_type: str = ""
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    line: int = 0

    @property
    def is_null(self) -> bool:
        """A question the archive cannot answer: no gold evidence, a refusal is expected."""
        return not self.evidence

    @property
    def gold_docs(self) -> list[str]:
        return list(dict.fromkeys(e.doc_id for e in self.evidence))


def parse_question(record: object, where: str) -> Question:
    if not isinstance(record, dict):
        raise QuestionSetError(f"{where}: expected a JSON object")
    for key in ("id", "question"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise QuestionSetError(f"{where}: missing or empty '{key}'")
    evidence_raw = record.get("evidence", [])
    if not isinstance(evidence_raw, list):
        raise QuestionSetError(f"{where}: 'evidence' must be a list")
    evidence = []
    for i, item in enumerate(evidence_raw):
        doc_id = item.get("doc_id") or item.get("url") if isinstance(item, dict) else None
        if not isinstance(doc_id, str) or not doc_id:
            raise QuestionSetError(f"{where}: evidence item {i} needs 'url' or 'doc_id'")
        evidence.append(Evidence(doc_id, str(item.get("fact") or "")))
    return Question(
        id=record["id"],
        question=record["question"],
        answer=str(record.get("answer") or ""),
        question_type=str(record.get("question_type") or ""),
        evidence=tuple(evidence),
    )


def load_question_set(path: Path) -> list[Question]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionSetError(f"{path}: cannot read: {exc}") from None
    questions: list[Question] = []
    ids: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{where}: invalid JSON: {exc.msg}") from None
        question = parse_question(record, where)
        if question.id in ids:
            raise QuestionSetError(f"{where}: duplicate id {question.id!r} (first on line {ids[question.id]})")
        ids[question.id] = number
        questions.append(Question(**{**question.__dict__, "line": number}))
    if not questions:
        raise QuestionSetError(f"{path}: no questions")
    return questions


def check_evidence_known(questions: list[Question], known_doc_ids: set[str], path: Path) -> None:
    for q in questions:
        for doc_id in q.gold_docs:
            if doc_id not in known_doc_ids:
                raise QuestionSetError(f"{path}:{q.line}: evidence document {doc_id!r} is not in the archive")
