"""Every eval metric on small cases computed by hand (see docs/evaluation.md for the definitions)."""

from __future__ import annotations

import pytest

from eval import metrics
from eval.confidence import bootstrap_ci, paired_difference

RETRIEVED = ["d1", "g1", "d2", "g2", "d3"]  # gold at ranks 2 and 4
GOLD = ["g1", "g2", "g3"]


def test_hits_at_k():
    assert metrics.hits_at(RETRIEVED, GOLD, 1) == 0.0
    assert metrics.hits_at(RETRIEVED, GOLD, 2) == 1.0
    assert metrics.hits_at([], GOLD, 10) == 0.0  # empty retrieval
    assert metrics.hits_at(RETRIEVED, [], 10) == 0.0  # null query: nothing to hit


def test_reciprocal_rank():
    assert metrics.reciprocal_rank(RETRIEVED, GOLD, 10) == 0.5
    assert metrics.reciprocal_rank(RETRIEVED, GOLD, 1) == 0.0  # first gold is beyond k
    assert metrics.reciprocal_rank([], GOLD) == 0.0


def test_average_precision_by_hand():
    # hits at ranks 2 and 4: (1/2 + 2/4) / min(3 gold, 10) = 1/3
    assert metrics.average_precision(RETRIEVED, GOLD, 10) == pytest.approx(1 / 3)
    # cut at k=2: only rank 2 counts, divided by min(3, 2) = 2 -> 0.25
    assert metrics.average_precision(RETRIEVED, GOLD, 2) == pytest.approx(0.25)
    assert metrics.average_precision(["g1", "g2"], ["g1", "g2"], 10) == 1.0
    assert metrics.average_precision([], GOLD, 10) == 0.0
    assert metrics.average_precision(RETRIEVED, [], 10) == 0.0
    # a gold id repeated in the gold list counts once
    assert metrics.average_precision(["x", "g1"], ["g1", "g1"], 10) == pytest.approx(0.5)


def test_evidence_recall_and_all_evidence():
    assert metrics.evidence_recall(RETRIEVED, GOLD, 4) == pytest.approx(2 / 3)
    assert metrics.evidence_recall(RETRIEVED, GOLD, 3) == pytest.approx(1 / 3)
    assert metrics.evidence_recall([], GOLD, 10) == 0.0
    assert metrics.all_evidence(RETRIEVED, GOLD, 10) == 0.0
    assert metrics.all_evidence(RETRIEVED, ["g1", "g2"], 4) == 1.0
    assert metrics.all_evidence(RETRIEVED, ["g1", "g2"], 3) == 0.0
    assert metrics.all_evidence(RETRIEVED, [], 10) == 0.0


def test_fact_rule_ignores_spaces_and_line_feeds():
    chunks = ["nothing here", "The  quick brown\nfox jumps.", "other"]
    scores = metrics.fact_scores(chunks, ["quick brown fox"])
    assert scores == {"fact_hits@4": 1.0, "fact_hits@10": 1.0, "fact_mrr@10": 0.5, "fact_map@10": 0.5}


def test_fact_rule_map_counts_new_facts_per_chunk():
    # facts A and B both in chunk 1, C in chunk 5 (a tie in rank: one chunk covers two facts),
    # A again in chunk 3 (already found: adds nothing).
    chunks = ["A and B", "x", "A", "y", "C"]
    scores = metrics.fact_scores(chunks, ["A", "B", "C", "D"])
    # MAP = (2/1 + 0/3 + 1/5) / min(4, 10) = 2.2 / 4
    assert scores["fact_map@10"] == pytest.approx(0.55)
    assert scores["fact_mrr@10"] == 1.0 and scores["fact_hits@4"] == 1.0


def test_fact_rule_hit_after_rank_four_and_beyond_ten():
    chunks = ["x"] * 5 + ["the fact"] + ["y"] * 10
    assert metrics.fact_scores(chunks, ["the fact"]) == {
        "fact_hits@4": 0.0, "fact_hits@10": 1.0, "fact_mrr@10": pytest.approx(1 / 6), "fact_map@10": pytest.approx(1 / 6)}
    late = ["x"] * 10 + ["the fact"]
    assert metrics.fact_scores(late, ["the fact"])["fact_hits@10"] == 0.0
    assert metrics.fact_scores([], ["the fact"])["fact_map@10"] == 0.0  # empty retrieval
    assert metrics.fact_scores(["anything"], [])["fact_hits@10"] == 0.0  # no facts: no hit, not a free one


def test_normalise_answer_folds_entities():
    assert metrics.normalise_answer("The New York Times’s") == "new york times"
    assert metrics.normalise_answer("Café  Zürich [2].") == "cafe zurich"
    assert metrics.normalise_answer("") == ""


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [
        ("Yes, both reports agree [1].", "Yes", True),
        ("No.", "Yes", False),
        ("Consistent: both say so.", "yes", True),
        ("The reports say yes", "Yes", False),  # Yes/No is read from the first word only
        ("It was reported by the New York Times [1].", "The New York Times", True),
        ("nytimes", "The New York Times", False),
        ("Business Insider", "US", False),  # whole words, not a substring of 'business'
        ("It is Sam Bankman-Fried.", "Sam Bankman Fried", True),
        ("anything", "", False),
        # an answer that opens with a name is judged by that name, not by what its quotes mention
        ("Caroline Ellison [1][2]. “Ellison testified against Sam Bankman-Fried.” [1]", "Sam Bankman-Fried", False),
        ("Sam Bankman-Fried [1]. “Ellison testified against him.” [1]", "Sam Bankman-Fried", True),
        ("“Ellison testified against Sam Bankman-Fried.” [1]", "Sam Bankman-Fried", True),
    ],
)
def test_answer_matches(predicted, gold, expected):
    assert metrics.answer_matches(predicted, gold) is expected


def test_answer_correct_on_null_queries():
    assert metrics.answer_correct("I cannot find that.", True, "Insufficient information.", True) == 1.0
    assert metrics.answer_correct("Argentina won.", False, "Insufficient information.", True) == 0.0
    assert metrics.answer_correct("Yes", True, "Yes", False) == 0.0  # a refusal is never a correct answer
    assert metrics.answer_correct("Yes [1].", False, "Yes", False) == 1.0


def test_citation_precision_and_recall():
    assert metrics.citation_precision(["g1", "x", "g1"], ["g1", "g2"]) == 0.5  # distinct: {g1, x}
    assert metrics.citation_recall(["g1", "x", "g1"], ["g1", "g2"]) == 0.5
    assert metrics.citation_precision([], ["g1"]) is None  # nothing cited: precision undefined
    assert metrics.citation_recall([], ["g1"]) == 0.0
    assert metrics.citation_recall(["g1"], []) is None  # null query


def test_cited_sentence_share():
    assert metrics.cited_sentence_share("Hungary agreed [1]. It will not veto. NATO approved [2].") == pytest.approx(2 / 3)
    assert metrics.cited_sentence_share("Hungary agreed. [1]") == 1.0  # marker after the full stop counts
    assert metrics.cited_sentence_share("") is None


def test_mean_and_percentile():
    assert metrics.mean([]) is None
    assert metrics.mean([1.0, 0.0, 0.5]) == 0.5
    values = [4.0, 1.0, 3.0, 2.0]  # sorted 1 2 3 4
    assert metrics.percentile(values, 50) == 2.5
    assert metrics.percentile(values, 95) == pytest.approx(3.85)  # 3 + 0.85 * (4 - 3)
    assert metrics.percentile([7.0], 95) == 7.0
    assert metrics.percentile([2.0, 2.0, 2.0], 50) == 2.0  # ties
    assert metrics.percentile([], 50) is None


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    values = [1.0] * 30 + [0.0] * 70
    low, high = bootstrap_ci(values)
    assert 0.18 < low < 0.3 < high < 0.42  # normal approximation: 0.3 +- 1.96 * 0.0458
    assert bootstrap_ci(values) == (low, high)
    assert bootstrap_ci([0.5, 0.5]) == (0.5, 0.5)
    assert bootstrap_ci([]) is None


def test_paired_difference():
    current = [1.0, 1.0, 1.0, 0.0]
    baseline = [0.0, 1.0, 1.0, 0.0]
    delta, (low, high) = paired_difference(current, baseline)
    assert delta == 0.25
    assert low == 0.0 and high == 0.75  # diffs [1, 0, 0, 0]: resample means range over 0..1 in steps of 0.25
    assert paired_difference([1.0], [1.0]) == (0.0, (0.0, 0.0))
    assert paired_difference([], []) is None
    with pytest.raises(ValueError):
        paired_difference([1.0], [])


# --- confidently wrong, unsure, Yes/No split by gold (issue 22) -------------------------------------------


def test_gold_polarity_reads_one_word_yes_no_golds_only():
    assert metrics.gold_polarity("Yes") == "yes" and metrics.gold_polarity("no") == "no"
    assert metrics.gold_polarity("Consistent") == "yes" and metrics.gold_polarity("Inconsistent") == "no"
    assert metrics.gold_polarity("Sam Bankman-Fried") is None and metrics.gold_polarity("Change") is None


def test_definite_leads_are_yes_no_names_numbers_and_dates():
    assert metrics.definite_lead("Yes: both reports say so [1][2]. “...”") == "yes"
    assert metrics.definite_lead("No: The Verge does not say that. “...”") == "no"
    assert metrics.definite_lead("Caroline Ellison [1]. “Ellison testified ...” [1]") == "Caroline Ellison"
    assert metrics.definite_lead("$26.3 billion [1]. “Google spent $26.3 billion ...” [1]") == "$26.3 billion"
    assert metrics.definite_lead("October 31, 2023 [1]. “...”") == "October 31, 2023"
    # quotes alone, or an answer that says it is unsure, lead with nothing definite
    assert metrics.definite_lead("“Google spent $26.3 billion in 2021.” [1]") is None
    assert metrics.definite_lead("Not sure: I found no Yardbarker article. “...”") is None
    assert metrics.definite_lead("I could not find a direct answer; the closest quotes: “...”") is None
    assert metrics.definite_lead("The archive does not report that Apple did pay to acquire Beeper; ...") is None


def test_confidently_wrong_is_a_definite_wrong_lead_only():
    assert metrics.confidently_wrong("Yes: both say so.", False, "No") == 1.0
    assert metrics.confidently_wrong("No: one does not.", False, "No") == 0.0  # right
    assert metrics.confidently_wrong("Not sure: no Fortune article.", False, "No") == 0.0  # unsure
    assert metrics.confidently_wrong("The archive does not say.", True, "No") == 0.0  # refused
    assert metrics.confidently_wrong("Caroline Ellison [1]. “... Sam Bankman-Fried ...”", False, "Sam Bankman-Fried") == 1.0
    assert metrics.confidently_wrong("“... Sam Bankman-Fried ...” [1]", False, "Google") == 0.0  # quotes, no lead
    # a number lead is judged by itself, not by the quotes after it
    assert metrics.confidently_wrong("2.7 million [1]. “... over $100 million of tickets ...”", False, "$100 million") == 1.0


def test_an_always_yes_system_scores_only_on_gold_yes():
    golds = ["Yes", "Yes", "No", "no"]
    right = [metrics.answer_correct("Yes: ...", False, gold, False) for gold in golds]
    assert right == [1.0, 1.0, 0.0, 0.0]  # split by gold: 1.0 on gold-Yes, 0.0 on gold-No
    assert [metrics.confidently_wrong("Yes: ...", False, gold) for gold in golds] == [0.0, 0.0, 1.0, 1.0]


def test_an_unsure_answer_is_neither_right_nor_confidently_wrong():
    unsure = "Not sure: Sporting News's article does not clearly say that ...; the closest it has: “Yes, ...”"
    assert metrics.answer_correct(unsure, False, "Yes", False) == 0.0
    assert metrics.confidently_wrong(unsure, False, "Yes") == 0.0
    assert metrics.unsure(unsure, False) == 1.0 and metrics.unsure(unsure, True) == 0.0
    # quotes that happen to name the gold do not make an unsure name answer right
    assert metrics.answer_correct("I could not find a direct answer; the closest quotes: “Google spent ...”",
                                  False, "Google", False) == 0.0


def test_a_false_premise_said_so_is_right_on_a_null_question():
    said = "The archive does not report that Apple did pay to acquire Beeper; the closest it has: “...” [1]"
    assert metrics.answer_correct(said, False, "Insufficient information.", True) == 1.0
    assert metrics.answer_correct("$26.3 billion [1]. “...”", False, "Insufficient information.", True) == 0.0


def test_the_runner_scores_the_new_metrics_per_question():
    from assistant.types import Answer
    from eval.runner import score_question
    from eval.sets import Evidence, Question

    question = Question("q1", "Did X happen?", "No", "comparison_query", (Evidence("d1", ""),))
    scores = score_question(question, Answer(question.question, "Yes: it did [1].", False, "extractive"), ["d1"], [], [])
    assert scores["confidently_wrong"] == 1.0 and scores["unsure_rate"] == 0.0
    assert scores["answer_accuracy_gold_no"] == 0.0 and "answer_accuracy_gold_yes" not in scores
    null = Question("q2", "Who?", "Insufficient information.", "null_query", ())
    scores = score_question(null, Answer(null.question, "Not sure: ...", False, "extractive"), [], [], [])
    assert scores["unsure_rate"] == 1.0 and "confidently_wrong" not in scores


def test_faithfulness_judges_each_cited_sentence_against_its_quotes():
    from assistant.verifier import verify

    quotes = {1: "However, Hungary promised not to veto the proposal as long as it was not forced to participate.",
              2: "NATO defence ministers approved the plan on Friday."}

    def supports(claim, quote):
        return verify(claim, quote).supported

    kept = "Yes. “However, Hungary promised not to veto the proposal as long as it was not forced to participate.” [1]"
    assert metrics.faithfulness(kept, quotes, supports) == 1.0  # the lead states nothing; the quote holds
    flipped = "Hungary vowed to veto the proposal [1]. NATO defence ministers approved the plan on Friday [2]."
    assert metrics.faithfulness(flipped, quotes, supports) == 0.5
    assert metrics.faithfulness("Hungary said nothing [7].", quotes, supports) is None  # cites no quote
    labelled = ("Yes: the reports say what the question describes [1][2]. Fortune (2024-06-14): “However, Hungary "
                "promised not to veto the proposal as long as it was not forced to participate.” [1]")
    assert metrics.faithfulness(labelled, quotes, supports) == 1.0  # the quote is the claim; the label leads


def test_stated_claim_is_the_quote_or_the_sentence():
    assert metrics.stated_claim("The Verge (2023-11-24): “Prices fell.”") == "Prices fell."
    assert metrics.stated_claim("Hungary vowed to veto the proposal.") == "Hungary vowed to veto the proposal."
    for lead in ("Yes.", "Not sure: The Verge does not say that prices fell", "Sam Bankman-Fried."):
        assert metrics.stated_claim(lead) is None, lead
