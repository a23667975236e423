"""The name an extractive answer leads with: which questions get one, and that it is never invented."""

from __future__ import annotations

import pytest

from assistant.short_answer import asks_for_name, name_phrases, outlet_answer, short_answer, unmentioned_names
from ingest.types import Passage
from tests.test_extractive import answerer, passage


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who is the individual facing a criminal trial reported by TechCrunch?", "person"),
        ("who testified first?", "person"),
        ("Which company spent billions to stay the default search engine?", "name"),
        ("What is the name of the platform scrutinised for eating-disorder content?", "name"),
        ("What company, according to TechCrunch, reported fewer assaults?", "name"),
        ("What did Hungary commit to?", None),
        ("What was decided at the summit?", None),
        ("Does The Verge article say the trial began?", None),
        ("Between the two reports, was there a change?", None),
        ("Which outlet reported on the Beeper Mini?", None),  # the outlet: outlet_answer
        ("What news source covered the trial?", None),
    ],
)
def test_asks_for_name(question, kind):
    assert asks_for_name(question) == kind


def test_name_phrases_are_runs_of_capitalised_words_without_openers_dates_or_titles():
    text = (
        "The trial of Sam Bankman-Fried, former CEO of FTX, began. However, Google said no. As for the All Blacks, "
        "they lost. CEO Caroline Ellison testified on October 12. In October, the Bank of England’s governor spoke."
    )
    assert name_phrases(text) == [
        "Sam Bankman-Fried", "FTX", "Google", "All Blacks", "Caroline Ellison", "Bank of England",
    ]


def test_a_sentence_opening_function_word_is_not_part_of_a_name():
    assert name_phrases("The Verge reported it. All fans cheered.") == ["Verge"]
    assert name_phrases("") == []


FTX_PASSAGES = [
    passage("tc1", "The criminal trial of Sam Bankman-Fried starts on Tuesday in New York.", "TechCrunch", "2023-10-01"),
    passage("tc2", "Prosecutors say Bankman-Fried took customer deposits from FTX.", "TechCrunch", "2023-10-02"),
    passage("verge", "Caroline Ellison said Bankman-Fried directed her to commit fraud.", "The Verge", "2023-10-10"),
]


def test_the_name_most_articles_mention_leads_under_its_longest_form_and_cites_the_quotes_that_write_it():
    question = "Who is the individual facing a criminal trial, as reported by TechCrunch and The Verge?"
    quotes = [FTX_PASSAGES[1].text, "Deposits were moved to Alameda Research."]
    assert short_answer(question, FTX_PASSAGES, quotes) == ("Sam Bankman-Fried", [0])


def test_a_name_the_question_writes_is_not_the_answer():
    question = "Who accused Sam Bankman-Fried of directing fraud?"
    passages = [*FTX_PASSAGES, passage("fortune", "Caroline Ellison ran Alameda Research.", "Fortune", "2023-10-04")]
    assert short_answer(question, passages, [FTX_PASSAGES[2].text]) == ("Caroline Ellison", [0])


def test_a_name_only_one_article_mentions_is_no_agreement():
    # with one article naming Caroline Ellison the lead would be that article's guess
    question = "Who accused Sam Bankman-Fried of directing fraud?"
    assert short_answer(question, FTX_PASSAGES, [FTX_PASSAGES[2].text]) is None


def test_a_who_question_wants_a_person_and_which_takes_a_single_word():
    passages = [
        passage("a", "FTX collapsed after Sam Bankman-Fried moved deposits.", "TechCrunch", "2023-10-01"),
        passage("b", "FTX customers lost billions.", "Fortune", "2023-10-02"),
        passage("c", "Bankman-Fried ran FTX from the Bahamas.", "The Verge", "2023-10-03"),
    ]
    quotes = [p.text for p in passages]
    assert short_answer("Who ran the exchange?", passages, quotes) == ("Sam Bankman-Fried", [0, 2])
    assert short_answer("Which exchange collapsed?", passages, quotes) == ("FTX", [0, 1, 2])


def test_no_short_answer_when_no_quote_writes_the_top_name_or_the_question_asks_no_name():
    question = "Who is the individual facing a criminal trial?"
    assert short_answer(question, FTX_PASSAGES, ["Deposits were moved to Alameda Research."]) is None
    assert short_answer("Did TechCrunch report the trial?", FTX_PASSAGES, [p.text for p in FTX_PASSAGES]) is None
    assert short_answer(question, [], []) is None


def test_an_outlets_own_name_is_never_the_answer():
    passages = [passage("a", "The Verge says The Verge tested it.", "The Verge", "2023-10-01")]
    assert short_answer("Which outlet tested it?", passages, [passages[0].text]) is None


def test_the_extractive_answer_leads_with_the_name_and_cites_it():
    question = "Who is the individual whose criminal trial starts, according to TechCrunch?"
    result = answerer().answer(question, FTX_PASSAGES)
    assert not result.refused
    lead, _, rest = result.text.partition(". ")
    assert lead.startswith("Sam Bankman-Fried [")
    cited = [int(n) for n in lead[lead.index("[") :].strip("[]").split("][")]
    assert all("Bankman-Fried" in result.citations[n - 1].quote for n in cited)
    assert rest.startswith("“")


def test_a_yes_no_question_gets_no_name_lead():
    # answered Yes/No by the verifier (assistant.answerers.yes_no), never with a name in front
    result = answerer().answer("Did TechCrunch report that the criminal trial of Sam Bankman-Fried starts?", FTX_PASSAGES)
    assert not result.refused and result.text.startswith("Yes")



@pytest.mark.parametrize(
    ("question", "sources", "expected"),
    [
        ("Which outlet reported on the trial?", ["TechCrunch", "TechCrunch"], ("TechCrunch", [0, 1])),
        ("What news sources covered the trial?", ["The Verge", "", "TechCrunch"], ("The Verge and TechCrunch", [0, 2])),
        ("Which publications wrote about it?", ["A", "B", "A", "C"], ("A, B and C", [0, 1, 2, 3])),
        ("Which outlet reported on the trial?", ["", ""], None),  # articles with no outlet
        ("Which company reported on the trial?", ["TechCrunch"], None),  # a name question
        ("Who reported on the trial?", ["TechCrunch"], None),
    ],
)
def test_outlet_answer_names_the_quoted_articles_outlets(question, sources, expected):
    assert outlet_answer(question, sources) == expected


def test_the_extractive_answer_to_which_outlet_leads_with_the_outlets_it_quotes():
    result = answerer().answer("Which outlet reported that the criminal trial of Sam Bankman-Fried starts?", FTX_PASSAGES)
    assert not result.refused
    lead, _, rest = result.text.partition(". ")
    outlets = list(dict.fromkeys(c.source for c in result.citations))
    assert outlets[0] == "TechCrunch" and lead.startswith(" and ".join(outlets) + " [")
    assert "Sam Bankman-Fried [" not in lead and rest.startswith("“")


def test_unmentioned_names_are_the_questions_names_no_passage_gives():
    passages = [
        Passage("a#0", "a", "Microsoft chief Kevin Scott said Altman would join. It was a whirlwind four days for OpenAI.",
                0, 90, 0.5, title="A timeline of Sam Altman's firing", source="TechCrunch"),
        Passage("b#0", "b", "Talks continue, according to people familiar.", 0, 45, 0.5,
                title="Palo Alto in advanced talks to buy Talon", source="The Verge"),
    ]
    question = "Considering what Satya Nadella and CNET said, did Sam Altman join Microsoft, as TechCrunch reported?"
    assert unmentioned_names(question, passages) == ["Satya Nadella", "CNET"]
    assert unmentioned_names("Which companies is Palo Alto Networks in talks to buy?", passages) == []  # "Palo Alto"
    assert unmentioned_names("What did Kevin Scott's boss say?", passages) == []
    assert unmentioned_names("Did The New York Times cover the OpenAI firing?", passages) == ["New York Times"]
