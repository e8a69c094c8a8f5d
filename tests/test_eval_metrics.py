"""Scoring of the evaluation harness: RealTime QA's normalisation, EM/F1, containment, gold
evidence ranks, ALCE citation recall and precision, bootstrap intervals, question types."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from newsqa.bot.answer import Answer, Citation, EvidenceLine
from newsqa.evals.dataset import EvalQuestion, question_type
from newsqa.evals.judge import overlap_judge
from newsqa.evals.metrics import (
    bootstrap_interval,
    citation_scores,
    contains_answer,
    exact_match,
    gold_ranks,
    normalize,
    risk_coverage,
    token_f1,
)


def test_normalisation_follows_the_benchmark():
    assert normalize("  Through  open-adoption. ") == "through open adoption"
    assert exact_match("through open adoption", ["Through open adoption"]) == 1.0
    assert exact_match("By open adoption", ["Through open adoption"]) == 0.0
    assert exact_match("anything", []) == 0.0


def test_token_f1_takes_the_best_right_answer():
    assert token_f1("open adoption", ["Through open adoption"]) == pytest.approx(0.8)
    assert token_f1("Oman", ["Yemen", "Oman"]) == 1.0
    assert token_f1("", ["Oman"]) == 0.0


def test_containment_matches_whole_words_only():
    assert contains_answer("About 2,500 U.S. troops are in Iraq [1].", ["2,500"]) == 1.0
    assert contains_answer("They spent 12,500 dollars.", ["2,500"]) == 0.0
    assert contains_answer("Omani officials said so.", ["Oman"]) == 0.0


def test_gold_evidence_ranks_by_snippet_and_by_url():
    q = EvalQuestion(id="q", question="Which city?", gold_evidence=[
        "The congestion charge took effect in New York on Sunday", "https://news.test/a"])
    passages = [("https://news.test/z", "Nothing relevant here about weather."),
                ("https://news.test/y", "On Sunday the congestion charge took effect in New York City."),
                ("https://news.test/a/", "Another story.")]
    assert gold_ranks(q, passages) == [2, 3]


def _answer(text: str, sources: dict[int, str]) -> Answer:
    """An answer whose shown source n has the evidence text sources[n]."""
    citations, evidence = [], []
    for n, premise in sources.items():
        citations.append(Citation(n=n, title=f"t{n}", quote=premise, article_id=f"a{n}", chunk_id=f"c{n}",
                                  start=0, end=len(premise)))
        evidence.append(EvidenceLine(label=n, article_id=f"a{n}", chunk_id=f"c{n}", title=f"t{n}",
                                     text=premise, start=0, end=len(premise)))
    return Answer(question="q", standalone_question="q", answer=text, short_answer=text, abstained=False,
                  citations=citations, evidence=evidence, provider="none", model="m",
                  as_of=datetime.now(timezone.utc))


SOURCES = {1: "The council approved the bridge on Tuesday for $4.2 million.",
           2: "Work on the bridge begins in May, the city engineer said.",
           3: "A bakery opened downtown."}


def test_alce_recall_and_precision():
    supported = _answer("The council approved the bridge for $4.2 million [1]. Work begins in May [2].", SOURCES)
    assert citation_scores(supported, overlap_judge) == {
        "sentences": 2, "cited_share": 1.0, "citation_recall": 1.0, "citation_precision": 1.0}
    # [3] is irrelevant: alone it does not support the sentence, and [1] does without it.
    overcited = _answer("The council approved the bridge for $4.2 million [1][3].", SOURCES)
    assert citation_scores(overcited, overlap_judge)["citation_precision"] == 0.5
    # A made-up figure is supported by nothing; an uncited sentence is never recalled.
    made_up = _answer("The council approved the bridge for $9 million [1]. A bakery opened downtown.", SOURCES)
    scores = citation_scores(made_up, overlap_judge)
    assert scores["citation_recall"] == 0.0 and scores["citation_precision"] == 0.0
    assert scores["cited_share"] == 0.5
    wrong_source = _answer("Work on the bridge begins in May [3].", SOURCES)
    assert citation_scores(wrong_source, overlap_judge)["citation_recall"] == 0.0


def test_abstained_answers_have_no_citation_scores():
    answer = _answer("I don't know.", {})
    answer.abstained = True
    assert citation_scores(answer, overlap_judge)["citation_recall"] is None


def test_overlap_judge_needs_the_numbers_and_names():
    premise = "Mohammed Shia al-Sudani condemned the 78 attacks."
    assert overlap_judge(premise, "Al-Sudani condemned the 78 attacks.")
    assert not overlap_judge(premise, "Sudani condemned the 79 attacks.")
    assert not overlap_judge(premise, "Prime Minister Netanyahu condemned the 78 attacks.")


def test_bootstrap_interval_brackets_the_mean_and_is_repeatable():
    values = [1.0] * 30 + [0.0] * 70
    lo, hi = bootstrap_interval(values)
    assert lo < 0.3 < hi and hi - lo < 0.25
    assert bootstrap_interval(values) == (lo, hi)
    assert bootstrap_interval([None, None]) is None
    assert bootstrap_interval([0.5, 0.5]) == (0.5, 0.5)


@pytest.mark.parametrize("question,kind", [
    ("How many U.S. troops are in Iraq?", "how many/much"),
    ("The leader of which country said no?", "which/what"),
    ("Who delivered a eulogy?", "who"),
    ("When does work begin?", "when"),
    ("Name the winner.", "other"),
])
def test_question_types(question, kind):
    assert question_type(question) == kind


def test_judges_by_spec():
    from newsqa.errors import NewsqaError
    from newsqa.evals.judge import make_judge

    assert make_judge("overlap") is overlap_judge
    with pytest.raises(NewsqaError, match="unknown judge"):
        make_judge("oracle")
    with pytest.raises(NewsqaError, match="needs an LLM"):
        make_judge("llm:none")


@pytest.mark.slow
def test_an_llm_judge_answers_yes_or_no():
    """Plumbing with the small test model: its verdict is a bool, not a quality claim."""
    from newsqa.evals.judge import make_judge

    judge = make_judge("llm:test")
    verdict = judge("The council approved the bridge on Tuesday.", "The council approved the bridge.")
    assert isinstance(verdict, bool)


def test_answered_precision_counts_the_answers_given_and_answered_right_the_questions():
    from newsqa.evals.metrics import score

    asked = EvalQuestion(id="1", question="How much will the bridge cost?", answers=["$4.2 million"])
    unanswerable = EvalQuestion(id="2", question="Who won the cup?", answerable=False)
    right = score(asked, _answer("The bridge will cost $4.2 million [1].", SOURCES), overlap_judge, [])
    wrong = score(asked, _answer("The bridge will cost $9 million [1].", SOURCES), overlap_judge, [])
    idk = _answer("I don't know.", {})
    idk.abstained = True
    abstained = score(asked, idk, overlap_judge, [])
    made_up = score(unanswerable, _answer("Rovers won the cup [1].", SOURCES), overlap_judge, [])
    assert (right["answered_precision"], right["answered_right"]) == (1.0, 1.0)
    assert (wrong["answered_precision"], wrong["answered_right"]) == (0.0, 0.0)
    assert (abstained["answered_precision"], abstained["answered_right"]) == (None, 0.0)
    assert (made_up["answered_precision"], made_up["answered_right"]) == (0.0, None)


def test_answer_in_evidence_with_titles_counts_the_titles_the_model_read():
    from newsqa.evals.metrics import score

    asked = EvalQuestion(id="1", question="Who won the award for best actor?", answers=["Cole Escola"])
    answer = _answer("I don't know.", {1: "The winner thanked the other nominees on stage."})
    answer.evidence_tokens = 9
    read = ("Cole Escola makes Tony Awards history The winner thanked the other nominees on stage.", 16)
    with_titles = score(asked, answer, overlap_judge, [], read)
    assert with_titles["answer_in_evidence"] == 0.0  # the line alone does not name the winner
    assert with_titles["answer_in_evidence_with_titles"] == 1.0 and with_titles["evidence_tokens_with_titles"] == 16
    lines_only = score(asked, answer, overlap_judge, [])  # a pipeline whose prompt shows no titles
    assert lines_only["answer_in_evidence_with_titles"] == 0.0 and lines_only["evidence_tokens_with_titles"] == 9


def test_risk_coverage_trades_precision_for_coverage_as_the_floor_rises():
    # (confidence, right, answerable) of five answers given, out of 8 answerable questions; one
    # answer (0.4) is to an unanswerable question: it costs precision but covers nothing.
    given = [(0.9, True, True), (0.8, True, True), (0.7, False, True), (0.6, True, True), (0.4, False, False)]
    rc = risk_coverage(given, answerable=8)
    assert [(p["coverage"], p["precision"]) for p in rc["curve"]] == [
        (0.125, 1.0), (0.25, 1.0), (0.375, 0.6667), (0.5, 0.75), (0.5, 0.6)]
    # Precision over coverage: 1.0 over the first 2/8, 0.6667 over 1/8, 0.75 over 1/8, then no width.
    assert rc["area"] == pytest.approx(0.25 + 0.6667 / 8 + 0.75 / 8, abs=1e-3)
    assert rc["coverage_at_target"] == 0.5 and rc["floor_at_target"] == 0.6
    strict = risk_coverage(given, answerable=8, precision_target=0.9)
    assert strict["coverage_at_target"] == 0.25 and strict["floor_at_target"] == 0.8
    # Answers of one confidence enter together; no answer given is an empty curve.
    tied = risk_coverage([(0.5, True, True), (0.5, False, True)], answerable=2)
    assert [(p["coverage"], p["precision"]) for p in tied["curve"]] == [(1.0, 0.5)]
    assert tied["coverage_at_target"] == 0.0 and tied["floor_at_target"] is None
    assert risk_coverage([], answerable=3) == {"curve": [], "area": 0.0, "precision_target": 0.7,
                                                "coverage_at_target": 0.0, "floor_at_target": None}
