"""The seed article with the default local model: the right figure or name with a citation whose
quote holds it, for at least 8 of the 9 answerable questions; both unanswerable ones abstain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsqa.bot.answer import AskRequest
from newsqa.bot.ask import Answerer
from newsqa.bot.config import Settings
from newsqa.index import load

pytestmark = pytest.mark.slow

# Asked as of a fixed day (the article reports December 2023): the prompt gives the model today's
# date, and its greedy answers to the same evidence differ from one date to another.
AS_OF = "2024-01-15T12:00:00Z"


@pytest.fixture(scope="module")
def answerer(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    settings = Settings(home=tmp_path_factory.mktemp("seed") / "home", llm="local")
    answerer = Answerer(settings)
    answerer.index.ingest(load([str(shared_data / "seed" / "000_3b616b78461cf240.txt")], settings.fetch))
    return answerer


def test_seed_questions_with_the_local_model(answerer: Answerer, shared_data: Path):
    questions = [json.loads(line) for line in (shared_data / "seed" / "questions.jsonl").read_text().splitlines()]
    right, wrong = [], []
    for q in questions:
        answer = answerer.invoke(AskRequest(question=q["question"], as_of=AS_OF))
        if not q["answerable"]:
            assert answer.abstained, (q["id"], answer.answer)
            assert not answer.citations
            continue
        named = [a for a in q["answers"] if a.lower() in answer.answer.lower()]
        quoted = [a for a in named if any(a.lower() in c.quote.lower() for c in answer.citations)]
        (right if quoted else wrong).append((q["id"], answer.answer))
    assert len(right) >= 8, wrong


def test_a_draft_that_mixes_two_lines_is_written_again_from_the_best_line(answerer: Answerer):
    # The learned ranker puts "900 troops in Syria and 2,500 in Iraq" first and the attack counts
    # second; the small model writes the Iraq figure and cites the attacks' line. The check refuses
    # it; without a second try the reader gets "I don't know", with it the Syria figure.
    question = AskRequest(question="How many U.S. troops are stationed in Syria?", as_of=AS_OF)
    settings = answerer.settings
    no_second_try = settings.model_copy(update={"answer": settings.answer.model_copy(update={"second_try": "off"})})
    once = Answerer(no_second_try, answerer.index).invoke(question)
    assert once.abstained and "2,500" in once.draft and not once.second_draft
    answer = answerer.invoke(question)
    assert "900" in answer.answer and any("900" in c.quote for c in answer.citations), answer.answer
    assert answer.draft == once.draft and "900" in answer.second_draft


def test_a_misspelt_question_is_read_as_the_article_spells_it(answerer: Answerer):
    typed = "How many attakcs on U.S. forces has the Pentagon recorded?"
    answer = answerer.invoke(AskRequest(question=typed, as_of=AS_OF))
    assert answer.question == typed  # the asker's words, as typed
    assert answer.standalone_question == "How many attacks on U.S. forces has the Pentagon recorded?"
    assert "78" in answer.answer and any("78" in c.quote for c in answer.citations), answer.answer
    settings = answerer.settings
    as_typed = settings.model_copy(update={"answer": settings.answer.model_copy(update={"correct_spelling": False})})
    unread = Answerer(as_typed, answerer.index).invoke(AskRequest(question=typed, as_of=AS_OF))
    assert unread.standalone_question == typed


def test_a_question_typed_in_lower_case_reads_the_names_as_the_article_writes_them(answerer: Answerer):
    typed = "how many us troops r stationed in syria"
    answer = answerer.invoke(AskRequest(question=typed, as_of=AS_OF))
    assert answer.question == typed
    # the article writes "Syria" wherever it names it; "us troops" is read as "U.S. troops"
    assert answer.standalone_question == "How many U.S. troops are stationed in Syria?"
    assert "900" in answer.answer and any("900" in c.quote for c in answer.citations), answer.answer
