"""`newsqa check` and AnswerChecker: any cited answer held to its sources, line by line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsqa import AnswerChecker, CheckRequest, Settings

SOURCE = ("The council approved the Ferris Street bridge on Tuesday. The bridge will cost $48 million. "
          "Work begins in September.")
GOOD = {"id": "bridge", "question": "How much will the bridge cost?",
        "answer": "The Ferris Street bridge will cost $48 million [1]. It opens in 2027 [1]. Nobody knows [3]. "
                  "Work begins in September.",
        "sources": [{"n": 1, "text": SOURCE, "title": "Bridge approved", "published": "2025-03-04"}]}


@pytest.fixture(scope="module")
def checker(tmp_path_factory) -> AnswerChecker:
    return AnswerChecker(Settings(home=tmp_path_factory.mktemp("check")))


def test_each_sentence_is_kept_only_when_a_source_it_cites_states_it(checker: AnswerChecker):
    result = checker.check(GOOD)
    by_text = {s.text: s for s in result.sentences}
    assert by_text["The Ferris Street bridge will cost $48 million."].supported
    assert "The bridge will cost $48 million." in by_text["The Ferris Street bridge will cost $48 million."].reason
    assert not by_text["It opens in 2027."].supported
    assert by_text["It opens in 2027."].reason == "[1] does not: figures not in the source: 2027"
    assert by_text["Nobody knows."].reason == "cites [3], which is not a source"
    assert by_text["Work begins in September."].reason == "cites no source"  # not auto-cited here
    assert result.answer == "The Ferris Street bridge will cost $48 million [1]."


def test_nothing_supported_or_an_abstention_is_i_dont_know(checker: AnswerChecker):
    refused = checker.check(CheckRequest(id="x", answer="It opens in 2027 [1].", sources=GOOD["sources"]))
    assert refused.answer == "I don't know." and not refused.sentences[0].supported
    assert checker.check({"id": "y", "answer": "I don't know.", "sources": []}).answer == "I don't know."


def test_the_command_checks_every_good_line_and_names_each_bad_one(tmp_path: Path):
    lines = [json.dumps(GOOD), "not json", json.dumps({"id": "no answer"}),
             json.dumps({"id": "empty", "answer": "A [1].", "sources": [{"n": 1, "text": ""}]}), "",
             json.dumps({**GOOD, "id": "again"})]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "NEWSQA_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    run = subprocess.run([str(Path(sys.executable).with_name("newsqa")), "check", str(path), "--json"],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 1
    assert run.stderr.splitlines() == [
        "error: line 2: not JSON (Expecting value)",
        "error: line 3: answer: Field required",
        "error: line 4: sources.0.text: String should have at least 1 character",
    ]
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["id"] for r in results] == ["bridge", "again"]
    assert set(results[0]) == {"id", "sentences", "answer"}
    assert set(results[0]["sentences"][0]) == {"text", "sources", "supported", "reason"}
    assert results[0]["answer"] == "The Ferris Street bridge will cost $48 million [1]."

    text = subprocess.run([str(Path(sys.executable).with_name("newsqa")), "check", "-"], input=json.dumps(GOOD),
                          capture_output=True, text=True, env=env)
    assert text.returncode == 0 and "refused It opens in 2027." in text.stdout
    missing = subprocess.run([str(Path(sys.executable).with_name("newsqa")), "check", str(tmp_path / "none.jsonl")],
                             capture_output=True, text=True, env=env)
    assert missing.returncode == 2 and missing.stderr.strip() == f"error: {tmp_path / 'none.jsonl'} is not a file"


def test_the_headline_is_part_of_what_the_source_states(checker: AnswerChecker):
    source = {"n": 1, "title": "Netflix raises prices after record subscriber growth",
              "text": "The streaming giant said on Friday that it would raise prices in the United States."}
    result = checker.check({"id": "t", "question": "Which streaming platform is raising prices?",
                            "answer": "Netflix is raising prices [1]. Disney is raising prices [1].",
                            "sources": [source]})
    assert [(s.text, s.supported) for s in result.sentences] == [
        ("Netflix is raising prices.", True), ("Disney is raising prices.", False)]


TROOPS = ("The United States keeps nine hundred troops in Syria and two thousand five hundred in Iraq. "
          "Between 40 and 50 ships waited offshore. Nearly 1,000 people attended the hearing.")


@pytest.mark.parametrize(("claim", "kept"), [
    ("The United States has 900 troops in Syria [1].", True),  # the source spells it out
    ("The United States has 2,500 troops in Iraq [1].", True),
    ("The United States has 2,500 troops in Syria [1].", False),  # a figure the source gives for Iraq
    ("The United States has 9,000 troops in Syria [1].", False),
    ("Between forty and fifty ships waited offshore [1].", True),  # a range, spelled out by the claim
    ("40 to 50 ships waited offshore [1].", True),
    ("Between 40 and 60 ships waited offshore [1].", False),
    ("About 1,000 people attended the hearing [1].", True),  # approximate wording on either side
    ("About 2,000 people attended the hearing [1].", False),
])
def test_figures_compare_however_they_are_written(checker: AnswerChecker, claim: str, kept: bool):
    result = checker.check({"id": "troops", "answer": claim, "sources": [{"n": 1, "text": TROOPS}]})
    assert result.sentences[0].supported is kept, result.sentences[0].reason


def test_the_answers_words_can_be_required_in_the_claims_own_sentence(tmp_path: Path):
    # "Harbor" is in the article, but not in the sentence the claim rests on.
    source = "The Harbor Board met on Monday. The strike lasted nine days, the union said."
    request = {"id": "s", "question": "How long did the strike last?",
               "answer": "The Harbor Board strike lasted 9 days [1].",
               "sources": [{"n": 1, "text": source}]}
    anywhere = AnswerChecker(Settings(home=tmp_path / "a")).check(request)
    assert anywhere.sentences[0].supported
    strict = AnswerChecker(Settings(home=tmp_path / "b", check={"answer_words_in": "sentence"})).check(request)
    assert not strict.sentences[0].supported
    assert "its sentence holds" in strict.sentences[0].reason


def test_a_sentence_that_asks_or_restates_the_question_is_no_answer(checker: AnswerChecker):
    result = checker.check({"id": "restated", "question": "How much will the Ferris Street bridge cost?",
                            "answer": "The Ferris Street bridge will cost this much [1]. How much will it cost [1]?",
                            "sources": GOOD["sources"]})
    assert [(s.supported, s.reason) for s in result.sentences] == [
        (False, "no answer: it restates the question without an answer"), (False, "no answer: it asks a question")]
    assert result.answer == "I don't know."
