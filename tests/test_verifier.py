"""The claim verifier: its pure checks, the seed-article claims, verbatim quotes, and the LLM reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.verifier import CONTRADICTED, NOT_ENOUGH_INFO, SUPPORTED, Verdict, verify
from assistant.verifier.entities import (evidence_keys, missing_names, missing_places, names, role_swap,
                                        substituted_names, title_conflicts)
from assistant.verifier.numbers import date_conflicts, dates, missing_quantities, quantities
from assistant.verifier.polarity import antonym_conflicts, negated_terms, polarity_conflicts, stem
from conftest import HUNGARY_SENTENCE, SEED_FILE

REPO = Path(__file__).resolve().parents[1]
SEED_CLAIMS = [json.loads(line) for line in (REPO / "eval" / "sets" / "seed_claims.jsonl").read_text().splitlines()
               if line.strip()]
ARTICLE = SEED_FILE.read_text(encoding="utf-8")


# --- numbers and dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("thirty instructors", 30), ("30 instructors", 30), ("thirty-two", 32), ("3,000 troops", 3000),
    ("about 3,000 troops", 3000), ("3.5 million euros", 3_500_000), ("$2bn", 2_000_000_000),
    ("two hundred and fifty thousand", 250_000), ("a two-day meeting", 2), ("a hundred people", 100),
    ("the 14th", 14), ("40%", 40), ("a dozen", 12),
])
def test_quantities_read_words_and_digits(text, value):
    assert value in quantities(text)


def test_ordinal_words_count_on_the_evidence_side_only():
    assert quantities("the first is a film") == set()
    assert 3 in quantities("the third round", ordinal_words=True)
    assert missing_quantities("in the 16th century", "in the sixteenth century") == []


def test_codes_and_list_numbers_are_no_quantities():
    assert quantities("COVID-19 and the Su-24 jet") == set()
    assert quantities("2. Excuse My French is a film") == set()


def test_one_of_is_no_number():
    assert quantities("one of the allies said") == set()


def test_dates_in_either_order_are_equal():
    assert dates("Friday, June 14") == dates("14 June") == dates("the 14th of June") == dates("2024-06-14") == {(6, 14)}
    assert date_conflicts("on 14 June", "Friday, June 14.") == []
    assert date_conflicts("on June 15", "Friday, June 14.") == [(6, 15)]


def test_missing_quantities():
    assert missing_quantities("thirty soldiers", "30 soldiers") == []
    assert missing_quantities("3 days", "a two-day meeting") == [3.0]
    assert missing_quantities("2,000 troops", "2000 troops") == []


# --- negation, antonyms --------------------------------------------------------------------------

def test_negation_scope_stops_at_a_clause_break():
    scope = negated_terms("Hungary promised not to veto the proposal, as long as it joined")
    assert "veto" in scope and stem("joined") not in scope
    assert stem("send") in negated_terms("Orban refused to send troops")
    assert "veto" in negated_terms("Hungary won't veto it")


def test_polarity_conflict_needs_the_same_word_negated_on_one_side():
    assert "veto" in polarity_conflicts("Hungary vowed to veto the proposal.", HUNGARY_SENTENCE)
    assert polarity_conflicts("Hungary agreed not to veto the proposal.", HUNGARY_SENTENCE) == set()
    assert polarity_conflicts("Orban said sending troops would harm Hungary.",
                              "Orban firmly rejected sending troops to Ukraine.") == set()


def test_antonyms_unless_negated():
    assert antonym_conflicts("Orban agreed to send troops.", "Orban rejected sending troops.")
    assert antonym_conflicts("Ministers rejected the roadmap.", "Ministers approved the roadmap.")
    assert not antonym_conflicts("Ministers did not reject the roadmap.", "Ministers approved the roadmap.")


# --- names ---------------------------------------------------------------------------------------

def test_names_and_demonyms():
    assert "Orban" in names("Meanwhile, Hungarian Prime Minister Viktor Orban said")
    assert missing_names("Hungary said no", "the Hungarian minister") == []
    assert missing_names("Slovakia said no", "the Hungarian minister") == ["Slovakia"]


def test_role_swap_and_passive():
    evidence = "NATO will train Ukrainian troops in Poland."
    assert role_swap("Ukraine will train NATO troops.", evidence)
    assert role_swap("NATO will train Ukrainian troops.", evidence) is None
    assert role_swap("Ukrainian troops will be trained by NATO.", evidence) is None


def test_substituted_name():
    window = "The assembly met at NATO headquarters in Brussels."
    assert substituted_names("The assembly met at NATO headquarters in Vienna.", window, window) == [("Vienna", "Brussels")]
    assert substituted_names("The assembly met at NATO headquarters in Brussels.", window, window) == []


def test_titles_belong_to_their_holders():
    assert title_conflicts("Joe Biden is NATO's Secretary-General.", ARTICLE)
    assert title_conflicts("Prime Minister Jens Stoltenberg spoke.", ARTICLE)
    assert title_conflicts("Viktor Orban, Hungary's prime minister, spoke.", ARTICLE) == []
    assert title_conflicts("NATO Secretary-General Jens Stoltenberg spoke.", ARTICLE) == []


def test_missing_places():
    keys = evidence_keys(ARTICLE)
    assert missing_places("The meeting was held in Warsaw.", keys) == ["Warsaw"]
    assert missing_places("The meeting was held in Brussels.", keys) == []


# --- the verifier --------------------------------------------------------------------------------

@pytest.mark.parametrize("row", SEED_CLAIMS, ids=[row["id"] for row in SEED_CLAIMS])
def test_seed_claims_against_the_whole_article(row):
    verdict = verify(row["claim"], ARTICLE)
    assert verdict.supported is bool(row["label"]), (row["kind"], verdict)
    assert (verdict.score >= 0.5) is verdict.supported
    assert verdict.label == SUPPORTED if row["label"] else verdict.label in (CONTRADICTED, NOT_ENOUGH_INFO)


def test_seed_set_is_large_and_mixed():
    assert len(SEED_CLAIMS) >= 30
    assert 10 <= sum(row["label"] for row in SEED_CLAIMS) <= len(SEED_CLAIMS) - 10


def test_every_sentence_of_the_article_quoted_is_supported():
    from assistant.verifier.select import split_sentences

    for start, end in split_sentences(ARTICLE):
        sentence = ARTICLE[start:end]
        if len(sentence) < 12:
            continue
        verdict = verify(sentence, ARTICLE)
        assert verdict.supported and verdict.score >= 0.9, sentence


def test_verdict_shape():
    verdict = verify("Hungary vowed to veto the proposal.", ARTICLE)
    assert isinstance(verdict, Verdict)
    assert verdict.label == CONTRADICTED and not verdict.supported
    assert "\n" not in verdict.reason and verdict.reason
    assert verdict.spans and all(0 <= a < b <= len(ARTICLE) for a, b in verdict.spans)
    assert "veto" in ARTICLE[verdict.spans[0][0] : verdict.spans[-1][1]]
    assert json.dumps(verdict.to_dict())


def test_empty_and_offline_without_embeddings():
    assert verify("", ARTICLE).label == NOT_ENOUGH_INFO
    verdict = verify(HUNGARY_SENTENCE, ARTICLE, embeddings=False)
    assert verdict.supported and verdict.score >= 0.9


# --- the LLM second reader -----------------------------------------------------------------------

@pytest.fixture
def llm_server():
    from openai_server import OpenAITestServer

    with OpenAITestServer() as server:
        yield server


def _client(server):
    from openai import OpenAI

    return OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0, timeout=10)


def test_llm_verdict_counts_when_its_quote_is_verbatim(llm_server):
    from assistant.verifier.llm import verify_with_llm

    llm_server.replies.append(json.dumps({"label": "supported", "quote": "Hungary promised not to veto the proposal",
                                          "reason": "Hungary said it would not block it."}))
    result = verify_with_llm("Hungary said it would not block the plan.", ARTICLE, client=_client(llm_server),
                             model="scripted")
    assert result.counted and result.verdict.supported and result.verdict.label == SUPPORTED
    (start, end), = result.verdict.spans
    assert ARTICLE[start:end] == "Hungary promised not to veto the proposal"
    prompt = llm_server.requests[0]["messages"][0]["content"]
    assert "Hungary said it would not block the plan." in prompt and "Stoltenberg" in prompt


def test_llm_verdict_ignored_when_the_quote_is_not_in_the_evidence(llm_server):
    from assistant.verifier.llm import verify_with_llm

    llm_server.replies.append('{"label": "supported", "quote": "Hungary vowed to veto the proposal", "reason": "x"}')
    result = verify_with_llm("Hungary vowed to veto the proposal.", ARTICLE, client=_client(llm_server), model="m")
    assert not result.counted and result.llm_label == SUPPORTED
    assert not result.verdict.supported and result.verdict.label == CONTRADICTED  # the offline verdict stands
    assert "LLM ignored" in result.verdict.reason


def test_llm_contradiction_with_a_quote_spaced_differently_counts(llm_server):
    from assistant.verifier.llm import verify_with_llm

    llm_server.replies.append('```json\n{"label": "contradicted", "quote": "Hungary  promised not to\\nveto the proposal",'
                              ' "reason": "It promised not to veto."}\n```')
    result = verify_with_llm("Hungary vowed to veto the proposal.", ARTICLE, client=_client(llm_server), model="m")
    assert result.counted and result.verdict.label == CONTRADICTED and not result.verdict.supported


def test_llm_unreadable_reply_or_failure_leaves_the_offline_verdict(llm_server):
    from assistant.verifier.llm import verify_with_llm

    llm_server.replies.append("I think it is supported.")
    result = verify_with_llm(HUNGARY_SENTENCE, ARTICLE, client=_client(llm_server), model="m")
    assert not result.counted and result.verdict.supported
    llm_server.fail_with = 500
    result = verify_with_llm("Hungary vowed to veto the proposal.", ARTICLE, client=_client(llm_server), model="m")
    assert not result.counted and result.error and result.verdict.label == CONTRADICTED


# --- invented content ----------------------------------------------------------------------------

def test_content_share_leaves_names_aside():
    from assistant.verifier.features import content_share

    assert content_share("Hungary will build a stadium on the moon.", HUNGARY_SENTENCE) == 0.0
    assert content_share("Orban refused.", HUNGARY_SENTENCE) is None  # too little to judge
    assert content_share("Hungary promised not to veto the proposal.", HUNGARY_SENTENCE) == 1.0


@pytest.mark.parametrize("claim", [
    "Hungary will build a stadium on the moon.", "Orban later resigned in disgrace.",
    "Orban resigned in disgrace after the summit.", "Stoltenberg opened a chocolate factory in Brussels.",
])
def test_a_named_actor_with_invented_content_is_not_supported(claim):
    """Names shared with the evidence do not carry content it never holds, in a whole article or a
    short passage."""
    for evidence in (ARTICLE, HUNGARY_SENTENCE, "Hungarian Prime Minister Viktor Orban rejected sending troops to Ukraine. "
                     + HUNGARY_SENTENCE + " The meeting took place in Brussels."):
        verdict = verify(claim, evidence)
        assert not verdict.supported and verdict.label == NOT_ENOUGH_INFO, (claim, evidence[:40], verdict)


def test_a_name_the_evidence_never_gives_with_unrelated_content_is_not_supported():
    budget = "Hungary published its defence budget on Monday, raising spending on the army by two percent."
    verdict = verify("Orban flew there on Monday.", budget)
    assert not verdict.supported and verdict.label == NOT_ENOUGH_INFO, verdict
    assert verify("Hungary published its defence budget on Monday.", budget).supported
    assert not verify("The summit moved to Tokyo.", ARTICLE).supported
