"""Synthetic (claim, evidence) pairs for the verifier's TRAINING folds, made from the mhrag-lite news
corpus (``shared/data/mhrag-lite/corpus.jsonl``, MultiHop-RAG derived, ODC-BY 1.0).

The attribution dev sets hold almost no claims that keep the evidence's names but invent the rest,
so a model fitted on them alone keeps "Hungary will build a stadium on the moon." against an article
about Hungary. These pairs show it what that looks like, and what light rewording of a sentence the
evidence holds looks like:

- negatives: a sentence's subject (its leading words up to the verb) kept with the predicate of a
  sentence from another article of the same category; a sentence of another article of the same
  outlet or category, against this one; the sentence with its verb swapped for another verb;
- positives: a sentence of the article with a light change that keeps its meaning (a parenthetical
  or adverb dropped, "said that" stripped, a trailing attribution dropped, a leading clause moved).

They are added to every training fold and never to a test fold: the cross-validated figures stay
those of the four dev sets. Deterministic (seeded).

    python -m eval.verifier_training.synthetic --out /tmp/synthetic.jsonl   # to look at them
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

SWAP_VERBS = ("announced", "denied", "cancelled", "sold", "bought", "closed", "delayed", "launched", "banned",
              "criticised", "praised", "lost", "won", "sued", "hired", "fired", "acquired", "abandoned",
              "rejected", "approved", "blocked", "doubled", "halved", "moved", "shut", "ended", "started",
              "postponed", "investigated", "ignored")
_LIGHT_ADVERBS = re.compile(r"\b(also|now|still|already|just|reportedly|currently|recently|actually|really|officially)\s+",
                            re.I)
_FUNCTION = frozenset("""the a an of in on at by for with from to and or but as its his her their this that these
    those who which it he she they we you i is are was were be been has have had will would can could may""".split())


def corpus_path() -> Path | None:
    here = Path(__file__).resolve()
    for base in (here.parents[2].parent / "shared", here.parents[2] / "shared", Path("/work/shared")):
        path = base / "data" / "mhrag-lite" / "corpus.jsonl"
        if path.is_file():
            return path
    return None


def _sentences(text: str) -> list[str]:
    from assistant.verifier.select import split_sentences

    out = []
    for start, end in split_sentences(text):
        s = " ".join(text[start:end].split())
        if 8 <= len(s.split()) <= 45 and not s.startswith(("“", '"', "'", "‘")) and s[-1] in ".!?":
            out.append(s)
    return out


_AUX = ("has", "have", "had", "will", "would", "is", "are", "was", "were", "said", "says")


def _verb_at(words: list[str]) -> int | None:
    """The position of the verb after a subject of capitalised words ("Google's search head Prabhakar
    Raghavan testified" is left alone; "Apple Inc. announced" -> 2), or None."""
    for i, w in enumerate(words[:6]):
        if w[:1].isupper() and w.rstrip(",").isalpha() or (i and w[:1].isupper() and w.endswith(("'s", "’s"))):
            if i == 0 and w.lower() in _FUNCTION | {"now", "meanwhile", "however", "these", "this"}:
                return None
            continue
        low = w.lower()
        if i and (low in _AUX or (low.endswith(("ed", "es")) or (low.endswith("s") and not low.endswith("ss")))
                  and low.isalpha() and low not in _FUNCTION):
            return i
        return None
    return None


def _positives(sentence: str, rng: random.Random) -> list[str]:
    out = []
    dropped = re.sub(r",\s+(?:which|who|where|according to|including)\b[^,]{3,80},", "", sentence, count=1)
    if dropped != sentence:
        out.append(dropped)
    light = _LIGHT_ADVERBS.sub("", sentence, count=1)
    if light != sentence:
        out.append(light[0].upper() + light[1:])
    said = re.sub(r"\b(said|says|added|noted|stated|announced) that\b", r"\1", sentence, count=1)
    if said != sentence:
        out.append(said)
    trailing = re.sub(r",\s+(?:he|she|they|it|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+(?:said|says|added|told \w+)\.$", ".",
                      sentence)
    if trailing != sentence and len(trailing.split()) >= 6:
        out.append(trailing)
    lead = re.match(r"^((?:In|On|At|After|Before|During|Since|Earlier|Last|This)\b[^,]{3,60}),\s+(.+?)([.!?])$", sentence)
    if lead:
        body = lead.group(2)
        out.append(body[0].upper() + body[1:] + " " + lead.group(1)[0].lower() + lead.group(1)[1:] + lead.group(3))
    rng.shuffle(out)
    return out[:2]


def pairs(limit_per_article: int = 4, seed: int = 7) -> list[dict]:
    """The synthetic pairs: {id, claim, evidence, label, kind, set: "synthetic"}."""
    path = corpus_path()
    if path is None:
        return []
    rng = random.Random(seed)
    articles = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for a in articles:
        a["sentences"] = _sentences(a["body"])
    by_category: dict[str, list[int]] = {}
    for i, a in enumerate(articles):
        by_category.setdefault(a["category"], []).append(i)
    out: list[dict] = []

    def add(claim, evidence, label, kind, i):
        out.append({"id": f"syn-{len(out)}", "claim": claim, "evidence": evidence, "label": label, "kind": kind,
                    "set": "synthetic", "article": i})

    for i, a in enumerate(articles):
        if not a["sentences"]:
            continue
        evidence = a["body"]
        others = [j for j in by_category[a["category"]] if j != i and articles[j]["sentences"]]
        if not others:
            continue
        sentence = rng.choice(a["sentences"])
        for claim in _positives(sentence, rng):
            add(claim, evidence, 1, "reworded", i)
        words = sentence.split()
        at = _verb_at(words)
        if at is not None:  # the subject kept, the predicate of another article's sentence
            for _ in range(6):
                other = rng.choice(articles[rng.choice(others)]["sentences"])
                o_words = other.split()
                o_at = _verb_at(o_words)
                if o_at is not None and len(o_words) - o_at >= 4:
                    add(" ".join(words[:at] + o_words[o_at:]), evidence, 0, "subject kept, predicate invented", i)
                    break
            verb = words[at].lower()
            if verb not in _AUX and at + 1 < len(words):
                swap = rng.choice([v for v in SWAP_VERBS if v != verb])
                add(" ".join(words[:at] + [swap] + words[at + 1:]), evidence, 0, "verb swapped", i)
        same_source = [j for j in others if articles[j]["source"] == a["source"]] or others
        other = rng.choice(articles[rng.choice(same_source)]["sentences"])
        if other not in evidence:
            add(other, evidence, 0, "sentence of another article", i)
    return [row for row in out if row["claim"] and row["claim"] not in row["evidence"] or row["label"] == 0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)
    rows = pairs()
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    print(len(rows), "pairs", kinds)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
