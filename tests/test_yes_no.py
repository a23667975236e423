"""Yes/No questions judged part by part with the verifier, short answers gated by it, and how
answers read: assistant.answerers.yes_no, assistant.answerers.candidates, assistant.hedges,
assistant.examples."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.answerers.candidates import asks_short_answer, claim_template, split_claim
from assistant.answerers.relations import beats_in, opposite_claim
from assistant.answerers.yes_no import (
    PartVerdict,
    Reading,
    answer_yes_no,
    asks_yes_no,
    claim_parts,
    decide,
    read_question,
)
from assistant.examples import example_questions
from assistant.hedges import is_unsure, quoted, says_not_reported
from assistant.verifier import Verdict
from ingest.types import Passage


def passage(doc_id: str, text: str, source: str, day: str, title: str = "") -> Passage:
    return Passage(f"{doc_id}#0", doc_id, text, 0, len(text), 0.5, title=title, source=source,
                   published_at=f"{day}T10:00:00+00:00")


SACK = passage("sn", "The Bears answer right back and sack Dobbs, with Sweat and Brisker in there to take him down.",
               "Sporting News", "2023-11-27")
RAVENS = passage("yb", "The Ravens defense has allowed the fewest points per game this season and second-fewest total yards.",
                 "Yardbarker", "2023-12-24")
TEALE = passage("smh", "If you are not a diehard Game of Thrones fan, Owen Teale's name may not be familiar.",
                "The Sydney Morning Herald", "2023-10-20")
MCRAE = passage("age", "Tate McRae's breakthrough landed her a slot on Saturday Night Live.", "The Age", "2023-11-30")


# --- reading the question -------------------------------------------------------------------------------


@pytest.mark.parametrize("question, expected", [
    ("Did Apple acquire Beeper?", True),
    ("Does the TechCrunch article suggest X, while The Verge reports Y?", True),
    ("Between the report from The Verge on 2023-11-24 and the one from Wired, is there consistency in the focus?", True),
    ("After Polygon reported on October 18th that 'levels collapse,' did Engadget's review agree or disagree?", True),
    ("True or false: It is not possible for humans to catch monkeypox from monkeys.", True),
    ("Who won the Rugby World Cup final?", False),
    ("Which company, as reported by TechCrunch, has spent billions on search deals?", False),
    # a Wh-question with an aside is no Yes/No question
    ("Considering an article from The Verge, which feature, noted by CNET, is represented by a letter?", False),
    ("Considering the information from X, which network, known for its initialism, did Pamela Anderson partner with?", False),
])
def test_which_questions_are_yes_no(question, expected):
    assert asks_yes_no(question) is expected


def test_the_relation_asked_about_is_read_from_the_asking_clause():
    order = read_question("Was Owen Teale discussed in The Sydney Morning Herald before Tate McRae's show was reported by The Age?")
    assert order.order == "before" and not order.relation
    # "after" inside a claim is no order of reports
    assert read_question("Does Sporting News mention Cardoso's inclusion after an injury?").order is None
    negated = read_question("Was there no change in the portrayal of Google between The Verge and TechCrunch?")
    assert negated.relation and negated.negated
    choice = read_question("After TechCrunch reported on X, is the stance of both consistent or inconsistent?")
    assert choice.options == ("Consistent", "Inconsistent") and not choice.negated


def test_each_named_report_gets_the_words_said_of_it():
    question = ("Does the 'Sporting News' article claim that the Bears' defense sacked Joshua Dobbs, while the "
                "'Yardbarker' article discusses the Ravens defense's ranking in points allowed?")
    parts = claim_parts(question, [SACK, RAVENS])
    assert [p.sources for p in parts] == [("Sporting News",), ("Yardbarker",)]
    assert parts[0].claim == "Bears defense sacked Joshua Dobbs"
    assert parts[1].claim.startswith("Ravens defense's ranking in points allowed")


def test_reports_joined_by_and_share_what_is_said_of_both():
    question = ("Do the articles from The Verge and TechCrunch both suggest that dressing up is a way to engage "
                "with children, or do they propose different engagement strategies?")
    verge = passage("v", "A fun way to engage with their hobby is with a little dress-up.", "The Verge", "2023-12-18")
    tc = passage("t", "It is not just kids asking Alexa a question.", "TechCrunch", "2023-10-25")
    parts = claim_parts(question, [verge, tc])
    assert [p.sources for p in parts] == [("The Verge",), ("TechCrunch",)]
    assert parts[0].claim == parts[1].claim == "dressing up is a way to engage with children"


def test_a_later_report_is_said_only_what_follows_the_last_cut():
    question = ("Between the report from The Verge on Apple's defense of its Google Search deal published on "
                "September 26, 2023, and the class action antitrust suit against Google reported by TechCrunch "
                "on December 15, 2023, was there a change in the portrayal of Google's impact on competitors?")
    verge = passage("v", "Apple defends Google Search deal in court.", "The Verge", "2023-09-26")
    tc = passage("t", "A class action antitrust suit was filed against Google.", "TechCrunch", "2023-12-15")
    parts = claim_parts(question, [verge, tc])
    assert parts[0].claim == "Apple's defense of its Google Search deal"
    assert parts[1].claim == "class action antitrust suit against Google"


def test_the_relation_asked_about_is_no_reports_claim():
    question = ("Between the article published by Sporting News on 2023-10-02 and the one on 2023-11-06, has the "
                "explanation of what bettors can place prop bets on remained consistent or inconsistent?")
    first = passage("a", "Bettors can place prop bets on players.", "Sporting News", "2023-10-02")
    second = passage("b", "A prop bet is a wager on a player.", "Sporting News", "2023-11-06")
    claims = {p.claim for p in claim_parts(question, [first, second])}
    assert claims == {"explanation of what bettors can place prop bets"}
    question = ("Is there consistency in the focus on the utility of charging devices between the report from "
                "'The Verge' on 2023-11-24 and the report from 'Wired' on 2023-11-25?")
    verge = passage("v", "It might come with USB ports.", "The Verge", "2023-11-24")
    wired = passage("w", "A power bank charged the phone.", "Wired", "2023-11-25")
    assert all("consisten" not in p.claim for p in claim_parts(question, [verge, wired]))


def test_what_a_report_is_compared_with_is_the_other_reports_claim():
    question = ("Is the reporting on the Northern Lights visibility in the UK by 'The Independent - Travel' "
                "inconsistent with the observations of the aurora borealis reported by 'Live Science' between "
                "November 9, 2023, and December 21, 2023?")
    indy = passage("i", "The best places to see the Northern Lights in the UK.", "The Independent - Travel", "2023-12-21")
    live = passage("l", "He witnessed the aurora borealis shine.", "Live Science", "2023-11-09")
    parts = claim_parts(question, [indy, live])
    assert [(p.sources, p.claim) for p in parts] == [
        (("The Independent - Travel",), "Northern Lights visibility in the UK"),
        (("Live Science",), "observations of the aurora borealis")]


def test_a_loss_is_read_against_the_article_saying_who_won():
    assert opposite_claim("Cowboys lose to the Seahawks in Week 13") == "Cowboys beat the Seahawks in Week 13"
    assert opposite_claim("Apple acquire Beeper") is None
    sentence = "The Cowboys opened Week 13 by rallying to beat the Seahawks on Thursday night."
    assert beats_in("Cowboys lose to the Seahawks in Week 13", sentence)
    assert not beats_in("Seahawks lose to the Cowboys in Week 13", sentence)
    assert beats_in("Washington lost to Oregon", "Washington beat Oregon in the Pac-12 championship on Friday.")
    game = passage("sn", sentence, "Sporting News", "2023-12-03")
    answer = answer_yes_no("Did the Cowboys lose to the Seahawks in Week 13?", [game])
    assert answer.decided == "no" and answer.text.startswith("No")
    won = answer_yes_no("Did the Seahawks lose to the Cowboys in Week 13?", [game])
    assert won.decided != "no"


def test_a_true_or_false_statement_is_judged_as_a_claim_and_answered_true_or_false():
    statement = "True or false: the Cowboys lost to the Seahawks in Week 13."
    assert read_question(statement).options == ("True", "False")
    assert [p.claim for p in claim_parts(statement, [])] == ["Cowboys lost to the Seahawks in Week 13"]
    game = passage("sn", "The Cowboys opened Week 13 by rallying to beat the Seahawks on Thursday night.",
                   "Sporting News", "2023-12-03")
    false = answer_yes_no(statement, [game])
    assert false.decided == "no" and false.text.startswith("False:") and false.citations[0].doc_id == "sn"
    true = answer_yes_no("True or false: the Seahawks lost to the Cowboys in Week 13.", [game])
    assert not true.text.startswith("False") and true.text.split(":")[0] in ("True", "Not sure")


def test_dates_belong_to_the_report_named_before_them():
    question = ("Between the article from The Verge on October 26, 2023, discussing Google's local search and the "
                "TechCrunch article on October 31, 2023, regarding Google's spending, was there consistency?")
    verge = passage("v", "Google ranks local results by relevance.", "The Verge", "2023-10-26")
    tc = passage("t", "Google spent billions on default deals.", "TechCrunch", "2023-10-31")
    parts = claim_parts(question, [verge, tc])
    assert [(p.sources, p.since, p.until) for p in parts] == [
        (("The Verge",), "2023-10-25", "2023-10-27"), (("TechCrunch",), "2023-10-30", "2023-11-01")]


# --- deciding ------------------------------------------------------------------------------------------


def judged(*scores_labels) -> list[PartVerdict]:
    found = []
    for i, (score, label) in enumerate(scores_labels):
        if score is None:
            found.append(PartVerdict(f"claim {i}", None, None, None))
        else:
            verdict = Verdict(score >= 0.5, score, label, "", [])
            found.append(PartVerdict(f"claim {i}", passage(f"d{i}", "text.", "Outlet", f"2023-10-0{i + 1}"), (0, 5), verdict))
    return found


CLAIMS = Reading(None, False, False, None)


def test_every_part_supported_is_yes_and_a_missing_part_is_never_a_guess():
    assert decide(CLAIMS, judged((0.8, "supported"), (0.6, "supported")), True)[0] == "yes"
    assert decide(CLAIMS, judged((0.8, "supported"), (None, None)), True)[0] == "unsure"


def test_a_contradicted_or_unsaid_claim_of_a_named_report_is_no():
    assert decide(CLAIMS, judged((0.8, "supported"), (0.2, "contradicted")), True)[0] == "no"
    assert decide(CLAIMS, judged((0.8, "supported"), (0.1, "not enough info")), True)[0] == "no"
    # the archive at large not saying it is no No: not sure
    assert decide(CLAIMS, judged((0.1, "not enough info")), False)[0] == "unsure"
    # in between: not sure either
    assert decide(CLAIMS, judged((0.8, "supported"), (0.40, "not enough info")), True)[0] == "unsure"
    assert decide(CLAIMS, judged((0.45, "not enough info")), True)[0] == "unsure"


def test_named_reports_each_close_to_their_paraphrase_are_yes():
    # two named reports, each found and each scored close to the verifier's threshold
    assert decide(CLAIMS, judged((0.8, "supported"), (0.45, "not enough info")), True)[0] == "yes"
    # not about named reports: no
    assert decide(CLAIMS, judged((0.8, "supported"), (0.45, "not enough info")), False)[0] == "unsure"


def test_before_and_after_compare_the_cited_articles_dates():
    before = Reading("before", False, False, None)
    assert decide(before, judged((0.7, "supported"), (0.6, "supported")), True) == ("yes", "dates")
    after = Reading("after", False, False, None)
    assert decide(after, judged((0.7, "supported"), (0.6, "supported")), True) == ("no", "dates")


def test_an_always_yes_reading_is_not_built_in():
    # a negated relation ("was there no change") whose reports are found is answered No
    negated = Reading(None, True, True, None)
    assert decide(negated, judged((0.7, "supported"), (0.6, "supported")), True)[0] == "no"
    assert decide(Reading(None, True, False, None), judged((0.7, "supported"), (0.1, "not enough info")), True)[0] == "unsure"


def test_answers_lead_with_yes_or_no_then_cite_each_part():
    question = ("Does the 'Sporting News' article claim that the Bears' defense sacked Joshua Dobbs, while the "
                "'Yardbarker' article discusses the Ravens defense's points allowed?")
    reply = answer_yes_no(question, [SACK])  # no Yardbarker article at all
    assert reply.decided == "unsure" and reply.text.startswith("Not sure") and is_unsure(reply.text)
    assert [c.doc_id for c in reply.citations] == ["sn"]
    order = answer_yes_no("Was Owen Teale discussed in The Sydney Morning Herald before Tate McRae's breakthrough "
                          "was reported by The Age?", [TEALE, MCRAE])
    if order.decided != "unsure":  # the verifier found both reports
        assert order.text.startswith("Yes") and "2023-10-20" in order.text
        assert [c.doc_id for c in order.citations] == ["smh", "age"]


# --- short answers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("question, pattern, premise", [
    ("How much did Apple pay to acquire Beeper?", "Apple did pay {} to acquire Beeper", "Apple did pay to acquire Beeper"),
    ("Which team won the Rugby World Cup final?", "{} won the Rugby World Cup final", ""),
    ("Which team did the All Blacks lose to in the final?", "the All Blacks did lose to {} in the final",
     "the All Blacks did lose to in the final"),
    ("When did OpenAI fire Sam Altman?", "OpenAI did fire Sam Altman on {}", "OpenAI did fire Sam Altman"),
    ("Which company, as reported by TechCrunch, has spent billions?", "{} has spent billions", ""),
])
def test_a_question_becomes_the_claim_its_answer_would_make(question, pattern, premise):
    assert claim_template(question) == (pattern, premise)


def test_a_multi_part_question_is_judged_part_by_part():
    pattern, _ = claim_template("Which rugby team faced home defeats to Ireland, aimed to kick for the corner, and "
                                "was featured in the final?")
    assert split_claim(pattern) == ["{} faced home defeats to Ireland", "{} aimed to kick for the corner",
                                    "{} was featured in the final"]
    assert asks_short_answer("How many people did Meta lay off?") and not asks_short_answer("What did Hungary commit to?")


# --- reading well ---------------------------------------------------------------------------------------------


def test_quotes_are_never_doubled():
    assert quoted('"The letters I’ve received," she told Fox News.') == "“‘The letters I’ve received,’ she told Fox News.”"
    assert quoted("He said “no” to it") == "“He said ‘no’ to it”"
    assert quoted("Plain sentence.") == "“Plain sentence.”"


def test_unsure_openings():
    assert is_unsure("Not sure: I found no article for ...") and is_unsure("I could not find a direct answer; ...")
    assert is_unsure("The archive does not report that Apple did pay to acquire Beeper; ...")
    assert says_not_reported("The archive does not report that X")
    assert not is_unsure("No: The Verge does not say that ...") and not is_unsure("Nothing")


@dataclass
class Entry:
    title: str
    source: str
    published_at: str


def test_example_questions_come_from_the_archive_headlines():
    entries = [Entry("Beeper Mini is back in operation after Apple’s attempt to shut it down", "TechCrunch", "2023-12-11"),
               Entry("Some of our favorite devices are on sale for Black Friday.", "The Verge", "2023-11-24"),
               Entry("The Verge’s 2023 holiday gift guide", "The Verge", "2023-12-18"),
               Entry("Taylor Swift is Time’s Person of the Year", "The Independent - Life and Style", "2023-12-06")]
    assert example_questions(entries) == ["What did TechCrunch report about Beeper Mini?",
                                          "What did The Independent report about Taylor Swift?"]
    assert example_questions([]) == []
    assert example_questions(entries, limit=1) == ["What did TechCrunch report about Beeper Mini?"]


def test_a_name_loses_the_title_the_question_already_gives():
    from assistant.answerers.candidates import without_asked_title

    asked = {"nato", "secretary", "general", "secretary-general"}
    assert without_asked_title("NATO Secretary-General Jens Stoltenberg", asked) == "Jens Stoltenberg"
    assert without_asked_title("Jens Stoltenberg", asked) == "Jens Stoltenberg"
    assert without_asked_title("NATO", asked) == "NATO"  # nothing left: the phrase stands (and is then dropped)
    assert without_asked_title("Beeper Mini", {"beeper", "apple"}) == "Beeper Mini"  # "Mini" is no name of its own
