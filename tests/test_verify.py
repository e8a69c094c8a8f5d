"""The citation check: parsing [n] markers and refusing what the evidence does not support."""

from __future__ import annotations

import pytest

from newsqa.bot.answer import ABSTAIN_TEXT
from newsqa.bot.config import CheckSettings
from newsqa.bot.evidence import Evidence, EvidenceSentence, EvidenceSource
from newsqa.bot.verify import CitationChecker, gives_no_answer, is_abstention, mixed_lines, parse_claims
from newsqa.index.embeddings import Embedder


def test_parse_marker_forms():
    claims = parse_claims("Rates rose [1]. Prices fell [1, 2]. Jobs grew [1][3]. In May [2], exports slowed. No cite.")
    assert [(c.text, c.cited) for c in claims] == [
        ("Rates rose.", [1]),
        ("Prices fell.", [1, 2]),
        ("Jobs grew.", [1, 3]),
        ("In May, exports slowed.", [2]),
        ("No cite.", []),
    ]


def test_markers_after_the_full_stop_belong_to_the_sentence():
    claims = parse_claims("The vote passed 7 to 2. [1] Work starts in September. [1][2]")
    assert [(c.text, c.cited) for c in claims] == [
        ("The vote passed 7 to 2.", [1]),
        ("Work starts in September.", [1, 2]),
    ]


@pytest.mark.parametrize("text", ["I don't know.", "I do not know", "  I don’t know the answer.", ""])
def test_abstentions(text: str):
    assert is_abstention(text)


def test_answers_are_not_abstentions():
    assert not is_abstention("The council voted 7 to 2 [1].")


# --- checking claims against evidence ---------------------------------------------------------
BRIDGE = "Construction of the Ferris Street bridge is scheduled to begin in September 2025."
COST = "The bridge will cost $48 million, of which the state pays $31 million."
STRIKE = "Dock workers at the Port of Kessel ended a nine-day strike on Wednesday."


@pytest.fixture(scope="module")
def checker() -> CitationChecker:
    return CitationChecker(Embedder("all-MiniLM-L6-v2"))


def evidence() -> Evidence:
    """Lines [1] and [2] from the bridge article (source 1), line [3] from the strike article."""
    bridge = EvidenceSource(1, "a-bridge", "Council approves bridge", "Ledger", "https://l.example/b", None, [
        EvidenceSentence(1, BRIDGE, 100, 100 + len(BRIDGE), "a-bridge-0", 1.0, None),
        EvidenceSentence(2, COST, 300, 300 + len(COST), "a-bridge-1", 0.9, None),
    ])
    strike = EvidenceSource(2, "a-strike", "Strike ends", "Wire", None, None, [
        EvidenceSentence(3, STRIKE, 0, len(STRIKE), "a-strike-0", 0.8, None),
    ])
    return Evidence([bridge, strike], 0.8, 60)


def test_supported_answer_keeps_its_citation_and_quote(checker):
    result = checker.check("Construction of the bridge begins in September 2025 [1].", evidence())
    assert not result.abstained and not result.flags
    assert result.answer == "Construction of the bridge begins in September 2025 [1]."
    [citation] = result.citations
    assert (citation.n, citation.article_id, citation.quote) == (1, "a-bridge", BRIDGE)
    assert (citation.start, citation.end) == (100, 100 + len(BRIDGE))


def test_made_up_number_is_refused(checker):
    result = checker.check("The bridge will cost $95 million [2].", evidence())
    assert result.abstained and result.answer == ABSTAIN_TEXT
    assert [f.kind for f in result.flags] == ["unsupported"]


def test_made_up_fact_with_a_real_citation_is_refused(checker):
    result = checker.check("The population of Canada is 37.4 million [1].", evidence())
    assert result.abstained
    assert result.flags[0].kind == "unsupported"


def test_right_words_around_a_made_up_answer_are_refused(checker):
    # The claim restates the question, which the retrieved source matches word for word, and adds
    # an answer ("Harbor City") the source never gives.
    question = "Where did dock workers end a nine-day strike on Wednesday?"
    claim = "Dock workers ended a nine-day strike on Wednesday in Harbor City [3]."
    assert checker.check(claim, evidence()).answer.startswith("Dock workers")  # the words alone pass
    result = checker.check(claim, evidence(), question)
    assert result.abstained and result.flags[0].kind == "unsupported"
    right = checker.check("Dock workers ended a nine-day strike at the Port of Kessel [3].", evidence(), question)
    assert not right.abstained and right.short_answer == "Port of Kessel"


def test_citation_on_the_wrong_article_moves_to_the_article_that_states_it(checker):
    # The strike is in source line [3]; citing the bridge article's line [1] for it is wrong.
    answer = "Construction begins in September 2025 [1]. The dock strike lasted nine days [1]."
    result = checker.check(answer, evidence())
    assert result.answer == "Construction begins in September 2025 [1]. The dock strike lasted nine days [2]."
    assert [c.article_id for c in result.citations] == ["a-bridge", "a-strike"]
    assert result.citations[1].quote == STRIKE
    assert [f.kind for f in result.flags] == ["recited"]
    assert result.flags[0].detail == "not supported by [1]; cited article 2 instead"
    # With check.recite off, or when no article states it, the sentence is removed.
    strict = CitationChecker(checker.embedder, CheckSettings(recite=False))
    removed = strict.check(answer, evidence())
    assert removed.answer == "Construction begins in September 2025 [1]."
    assert [f.kind for f in removed.flags] == ["unsupported"] and "strike" in removed.flags[0].sentence
    made_up = checker.check("Construction begins in September 2025 [1]. The dock strike lasted 40 days [1].",
                            evidence())
    assert made_up.answer == "Construction begins in September 2025 [1]."
    assert [f.kind for f in made_up.flags] == ["unsupported"]


def test_uncited_but_supported_sentence_gets_its_citation(checker):
    result = checker.check("The dock workers ended a nine-day strike.", evidence())
    assert not result.abstained
    assert result.answer == "The dock workers ended a nine-day strike [1]."
    assert result.citations[0].article_id == "a-strike"
    assert [f.kind for f in result.flags] == ["auto_cited"]


def test_no_citations_and_no_support_abstains(checker):
    result = checker.check("The mayor resigned on Friday.", evidence())
    assert result.abstained
    assert [f.kind for f in result.flags] == ["uncited"]


def test_citation_to_a_missing_source_is_removed(checker):
    result = checker.check("The strike lasted nine days [7].", evidence())
    kinds = [f.kind for f in result.flags]
    assert kinds[0] == "unknown_source" and "[7]" in result.flags[0].detail
    assert result.answer == "The strike lasted nine days [1]."  # re-cited to the article that says it


def test_sources_are_renumbered_in_order_of_first_use(checker):
    result = checker.check(
        "Dock workers ended a nine-day strike [3]. The bridge will cost $48 million [2][1].", evidence()
    )
    assert result.answer == "Dock workers ended a nine-day strike [1]. The bridge will cost $48 million [2]."
    assert [(c.n, c.article_id) for c in result.citations] == [(1, "a-strike"), (2, "a-bridge")]
    assert result.citations[1].quote == COST  # the cited line holds the figure


def test_a_second_check_can_refuse_what_the_words_support(checker):
    """`confirm` (the LLM's yes/no in production) sees the cited article's evidence and the claim;
    a sentence it refuses is removed even though its words are all in the source."""
    asked = []

    def confirm(premise: str, claim: str) -> bool:
        asked.append((premise, claim))
        return "nine" not in claim

    result = checker.check("Construction begins in September 2025 [1]. The dock strike lasted nine days [3].",
                           evidence(), confirm=confirm)
    assert result.answer == "Construction begins in September 2025 [1]."
    assert asked[0] == (f"{BRIDGE} {COST}", "Construction begins in September 2025.")
    assert [f.kind for f in result.flags] == ["unsupported"]


def test_the_short_answer_is_the_phrase_the_question_asks_for(checker):
    result = checker.check("The bridge will cost $48 million [2].", evidence(), "How much will the bridge cost?")
    assert result.short_answer == "$48 million"


def test_a_source_older_than_the_time_asked_about_supports_nothing(checker):
    from datetime import datetime, timezone

    dated = evidence()
    dated.sources[0].published = datetime(2019, 3, 4, tzinfo=timezone.utc)
    claim = "Construction of the bridge begins in September 2025 [1]."
    assert not checker.check(claim, dated).abstained  # no time named: its date does not matter
    result = checker.check(claim, dated, not_before=datetime(2025, 3, 1, tzinfo=timezone.utc))
    assert result.abstained
    assert result.flags[0].detail == ("not supported by [1]; [1] published before the time the question asks "
                                      "about (2025-03-01 on)")
    recent = checker.check(claim, evidence(), not_before=datetime(2025, 3, 1, tzinfo=timezone.utc))
    assert not recent.abstained  # an undated source is not held to it


def test_an_answer_resting_on_a_lone_old_article_is_refused_unless_another_article_states_it(checker):
    from datetime import datetime, timezone

    floor = datetime(2025, 5, 1, tzinfo=timezone.utc)
    question = "When does construction of the Ferris Street bridge begin?"
    claim = "Construction of the Ferris Street bridge begins in September 2025 [1]."
    old = evidence()
    old.sources[0].published = datetime(2025, 3, 4, tzinfo=timezone.utc)
    old.passages = {"a-bridge": BRIDGE + " " + COST, "a-strike": STRIKE,
                    "a-other": "Millbrook's mayor says the bridge work starts in October 2025."}
    refused = checker.check(claim, old, question, corroborate_before=floor)
    assert refused.abstained and refused.answer == ABSTAIN_TEXT
    assert [f.kind for f in refused.flags] == ["lone_old_source"]
    assert refused.flags[0].detail == ("the only article that states it, “Council approves bridge”, was published "
                                       "on 4 March 2025, before 1 May 2025, and no other article found says it: it "
                                       "may report an earlier event")
    # another article the search found states the short answer: the story is still told
    old.passages["a-other"] = "Work on the Ferris Street bridge begins in September 2025, the mayor said."
    kept = checker.check(claim, old, question, corroborate_before=floor)
    assert not kept.abstained and kept.short_answer == "September 2025"
    # a recent article, an undated one, or no floor (the rule off, or an archive) carries it alone
    old.passages.pop("a-other")
    assert checker.check(claim, old, question).short_answer == "September 2025"
    earlier_floor = datetime(2025, 3, 1, tzinfo=timezone.utc)
    assert not checker.check(claim, old, question, corroborate_before=earlier_floor).abstained
    old.sources[0].published = None
    assert not checker.check(claim, old, question, corroborate_before=floor).abstained


SUMMIT = "Leaders of the Group of Seven met in Biarritz, France, in August 2019."


def summit() -> EvidenceSource:
    return EvidenceSource(1, "a-summit", "G7 leaders gather in France", "Wire", None, None, [
        EvidenceSentence(1, SUMMIT, 0, len(SUMMIT), "a-summit-0", 1.0, None),
    ])


def test_an_answer_resting_on_a_sentence_about_something_else_is_refused(checker):
    claim = "The leaders met in Biarritz."
    asked = checker.support(claim, summit(), question="Where did the Group of Seven leaders meet in 2019?")
    assert asked.ok
    other = checker.support(claim, summit(), question="Where will this week's NATO defence ministers' talks be held?")
    assert not other.ok
    assert other.reason.startswith("its sentence does not bear on the question (bearing 0.")
    assert other.reason.endswith(f"at least {checker.t.min_bearing:.2f})")
    answer = checker.check(f"{claim[:-1]} [1].", Evidence([summit()], 0.5, 20),
                           "Where will this week's NATO defence ministers' talks be held?")
    assert answer.abstained
    assert not checker.check(f"{claim[:-1]} [1].", Evidence([summit()], 0.5, 20)).abstained  # no question: no rule


def test_the_similarity_the_evidence_choice_measured_is_not_measured_again(checker):
    sentence = summit().sentences[0]
    question = "Where will this week's NATO defence ministers' talks be held?"
    assert checker.bearing(question, sentence) < 0.5  # embedded here
    sentence.similarity = 0.9  # as `ask` records it when choosing the evidence
    assert checker.bearing(question, sentence) == pytest.approx(0.9)  # no question word in it: similarity alone


def test_a_sentence_that_leaves_its_subject_to_the_headline_is_read_under_it(checker):
    text = "Construction is scheduled to begin in September 2025 and to take about three years."
    sentence = EvidenceSentence(1, text, 0, len(text), "a-bridge-0", 1.0, None)
    question = "When does work on the Ferris Street bridge begin?"
    assert checker.bearing(question, sentence) < checker.t.min_bearing  # alone: which construction?
    assert checker.bearing(question, sentence, "Council approves the Ferris Street bridge") >= checker.t.min_bearing
    source = EvidenceSource(1, "a-bridge", "Council approves the Ferris Street bridge", None, None, None, [sentence])
    assert not checker.check("Work begins in September 2025 [1].", Evidence([source], 0.4, 20), question).abstained


def test_a_sentence_that_leans_on_the_line_before_it_is_read_after_it(checker):
    lead = "Inauguration Day, when Donald Trump takes the oath of office as the 47th president, is Monday, Jan. 20."
    text = "The day also coincides with Martin Luther King Jr. Day, making it a national holiday."
    before = EvidenceSentence(1, lead, 0, len(lead), "x-0", 1.0, None)
    sentence = EvidenceSentence(2, text, len(lead) + 1, len(lead) + 1 + len(text), "x-0", 1.0, None)
    question = ("Donald Trump was sworn in Monday as the 47th president of the United States. "
                "Which holiday coincided with his inauguration?")
    assert checker.bearing(question, sentence) < checker.t.min_bearing  # alone: which day?
    assert checker.bearing(question, sentence, before=before) >= checker.t.min_bearing
    claim = "Martin Luther King Jr. Day coincided with his inauguration [2]."
    both = EvidenceSource(1, "x", "Things to know", None, None, None, [before, sentence])
    answer = checker.check(claim, Evidence([both], 0.5, 40), question)
    assert not answer.abstained and answer.short_answer == "Martin Luther King Jr. Day"
    assert answer.citations[0].quote == text
    # Without the line before it in the evidence, the sentence alone does not bear on the question.
    alone = EvidenceSource(1, "x", "Things to know", None, None, None, [sentence])
    assert checker.check(claim.replace("[2]", "[1]"), Evidence([alone], 0.5, 40), question).abstained


def test_a_marker_after_a_closing_quote_ends_its_claim():
    answer = ('Union president Hanne Voss called the deal "a fair result." [1] Dock workers returned to work '
              'on Wednesday. [1]')
    assert [(c.text, c.cited) for c in parse_claims(answer)] == [
        ('Union president Hanne Voss called the deal "a fair result."', [1]),
        ("Dock workers returned to work on Wednesday.", [1])]


def test_a_claim_its_sentence_states_only_the_answer_of_is_refused(checker):
    # The article holds the claim's words across its lines, and the sentence that names the
    # answer says something else of it: the model joined the answer to the question's words.
    refuses = "Ostland also does not recognize same-sex marriages."
    courts = "Asia's courts heard the case this year."
    source = EvidenceSource(1, "a-court", "Court upholds ban", "Wire", None, None, [
        EvidenceSentence(1, refuses, 0, len(refuses), "a-court-0", 1.0, None),
        EvidenceSentence(2, courts, 100, 100 + len(courts), "a-court-1", 0.9, None),
    ])
    claim = "Ostland has officially become the third country in Asia to legalise same-sex marriage this year."
    refused = checker.support(claim, source)
    assert not refused.ok and refused.quote.text == refuses
    assert refused.reason == "its sentence holds 33% of its words (at least 40% needed)"
    loose = CitationChecker(checker.embedder, checker.t.model_copy(update={"min_sentence_overlap": 0}))
    assert loose.support(claim, source).ok  # the article-wide word check alone keeps it
    assert checker.support("Ostland does not recognize same-sex marriages.", source).ok


def test_a_claim_echoing_the_question_rests_on_the_sentence_that_states_its_answer(checker):
    # The model restates the question around its answer; the sentence that answers does not
    # restate the question, so the claim's own words are only a fifth of it.
    question = "A start-up claims it has revived a prehistoric species of which animal?"
    claim = "The start-up claims it has revived a prehistoric species of giant sloth [1]."
    births = ("The birth of the giant sloth pups marks the first animal brought back from extinction, "
              "the company's chief executive said in a press release.")
    source = EvidenceSource(1, "a-sloth", "Company says it revived an extinct species", "Wire", None, None, [
        EvidenceSentence(1, births, 0, len(births), "a-sloth-0", 1.0, None)])
    kept = checker.check(claim, Evidence([source], 0.6, 30), question)
    assert not kept.abstained and kept.short_answer == "giant sloth" and kept.citations[0].quote == births
    assert checker.support(claim.removesuffix(" [1]."), source, question=question).reason == (
        "the source holds 100% of its words, the question's among them, and all its figures")
    literal = CitationChecker(checker.embedder, checker.t.model_copy(update={"question_words_held": False}))
    refused = literal.support(claim.removesuffix(" [1]."), source, question=question)
    assert not refused.ok and refused.reason.startswith("its sentence holds 22% of its words")


def test_the_questions_words_do_not_place_a_name_the_sentence_does_not_state(checker):
    # The article names Kessburg in another line; the sentence about the fee does not, so the
    # question's words are not counted for the claim and it is refused as before.
    question = "Which city doubled its entry fee for day visitors?"
    fee = "The lagoon city introduced a 5 euro charge last April for visitors arriving on busy days."
    other = "Officials in Kessburg met on Tuesday."
    source = EvidenceSource(1, "a-fee", "Lagoon city charges visitors", "Wire", None, None, [
        EvidenceSentence(1, fee, 0, len(fee), "a-fee-0", 1.0, None),
        EvidenceSentence(2, other, 200, 200 + len(other), "a-fee-1", 0.9, None)])
    refused = checker.support("Kessburg doubled its entry fee for day visitors.", source, question=question)
    assert not refused.ok and refused.quote.text == fee
    assert refused.reason.startswith("the source holds 43% of its words")


def test_a_sentence_that_asks_or_restates_the_question_is_no_answer(checker):
    question = "Where did dock workers end a nine-day strike on Wednesday?"
    restated = "Dock workers ended a nine-day strike on Wednesday."  # the source states it
    assert gives_no_answer("Dock workers ended a nine-day strike where?", question) == "it asks a question"
    assert gives_no_answer(restated, question) == "it restates the question without an answer"
    assert gives_no_answer("Dock workers ended a nine-day strike at the Port of Kessel.", question) is None
    assert gives_no_answer(restated, "Did the strike end?") is None  # a yes/no question's answer may restate it
    result = checker.check(f"{restated[:-1]} [3]. The strike lasted nine days, where [3]?", evidence(), question)
    assert result.abstained
    assert [(f.kind, f.detail) for f in result.flags] == [
        ("no_answer", "it restates the question without an answer"), ("no_answer", "it asks a question")]
    assert not checker.check(f"{restated[:-1]} [3].", evidence()).abstained  # no question: nothing to restate


def test_a_sentence_that_names_what_is_asked_only_as_one_of_its_kind_is_no_answer():
    question = "Which rail depot near Millbrook did the council say it would close?"
    unnamed = "The council said it would close a rail depot in northern Millbrook."  # a source line states it
    assert gives_no_answer(unnamed, question) == 'it says "a rail depot", not which'
    assert gives_no_answer("The council said it would close the rail depot at Hale Yard.", question) is None
    assert gives_no_answer("A new depot called Hale Yard will close.", question) is None  # named after all
    assert gives_no_answer("Hale Yard, a rail depot north of Millbrook, will close.", question) is None
    assert gives_no_answer(unnamed, "Did the council say it would close a depot?") is None


def test_a_sentence_whose_answer_is_that_it_is_not_known_is_no_answer():
    question = "What is Mark Carney's career background?"
    assert gives_no_answer("Carney's career background is unknown.", question) == "its answer is that it is not known"
    assert gives_no_answer("The cause of the fire remains unclear.", "What caused the fire?") is not None
    assert gives_no_answer("Carney's career background is in finance.", question) is None
    assert gives_no_answer("Carney is a relative unknown in Canadian politics.", question) is None


def test_an_answer_from_a_report_without_the_questions_figure_is_refused(checker):
    # The question's "$8 billion" is its premise: a sentence naming a platform in a report that
    # never states the price is about something else, even when it shares the question's words.
    question = "Which online platform has gone up for sale at a reported price of $8 billion?"
    traders = "Shares of the online platform Reddit went up after it reported a higher price for its ads."
    sale = "The owner of the social media platform Threadly has put it up for sale at a reported $8 billion."
    other = EvidenceSource(1, "a-traders", "Meme stocks return", "Wire", None, None, [
        EvidenceSentence(1, traders, 0, len(traders), "a-traders-0", 1.0, None)])
    right = EvidenceSource(2, "a-sale", "Platform for sale", "Wire", None, None, [
        EvidenceSentence(2, sale, 0, len(sale), "a-sale-0", 1.0, None)])
    refused = checker.support("Reddit is the online platform whose shares went up.", other, question=question)
    assert not refused.ok and refused.reason == "the question's figures not in the source: 8"
    loose = CitationChecker(checker.embedder, checker.t.model_copy(update={"question_figures": False}))
    assert loose.support("Reddit is the online platform whose shares went up.", other, question=question).ok
    assert checker.support("Threadly is up for sale at a reported $8 billion.", right, question=question).ok
    # Written as a word in the source, the figure is found; a year and "thousands of" are asked of none.
    worded = EvidenceSource(3, "a-sale", "Platform for sale", "Wire", None, None, [
        EvidenceSentence(3, sale.replace("$8", "eight"), 0, len(sale) + 3, "a-sale-0", 1.0, None)])
    assert checker.support("Threadly is up for sale.", worded, question=question).ok
    # The figure may sit in the article's retrieved passages beside the lines the model read.
    other.passages = f"{traders} Its owner has put it up for sale at a reported $8 billion."
    assert checker.support("Reddit is the online platform whose shares went up.", other, question=question).ok
    other.passages = ""
    vague = "Which online platform saw thousands of its shares go up in 2025?"
    assert checker.support("Reddit is the online platform whose shares went up.", other, question=vague).ok


def test_a_figure_taken_from_a_line_not_cited_is_a_mixed_draft():
    # What earns a refused draft its second try (Answerer, answer.second_try_lines).
    troops = "The United States keeps 900 troops in Syria and 2,500 in Iraq."
    attacks = "There have been 36 attacks in Iraq and 37 in Syria."
    lines = Evidence([EvidenceSource(1, "a-troops", "Troops", "Wire", None, None, [
        EvidenceSentence(1, troops, 0, len(troops), "a-troops-0", 1.0, None),
        EvidenceSentence(2, attacks, 80, 80 + len(attacks), "a-troops-1", 0.9, None),
    ])], 0.8, 40)
    question = "How many U.S. troops are stationed in Syria?"
    assert mixed_lines("There are 2,500 U.S. troops stationed in Syria [2].", lines, question)
    assert not mixed_lines("There are 2,500 U.S. troops stationed in Syria [1].", lines, question)  # its line has it
    assert not mixed_lines("There are 4,000 U.S. troops in Syria [2].", lines, question)  # made up: no line has it
    assert not mixed_lines("I don't know.", lines, question)
    # A figure the question states, or a year, is no sign of mixing.
    assert not mixed_lines("The 36 attacks were in Iraq [1].", lines, "Where were the 36 attacks?")
    assert not mixed_lines("Troops arrived in 2014 [2].", Evidence([EvidenceSource(1, "a", "T", "W", None, None, [
        EvidenceSentence(1, "Troops arrived in 2014.", 0, 23, "a-0", 1.0, None),
        EvidenceSentence(2, attacks, 30, 30 + len(attacks), "a-1", 0.9, None)])], 0.8, 30), question)
