"""A question's misspelt words read as the articles spell them (index/spelling.py), and nothing else changed."""

from __future__ import annotations

from collections import Counter

import pytest

from newsqa.index.spelling import Spelling, words_of

pytestmark = pytest.mark.spec

PASSAGES = [
    "Congestion charging began in New York on Sunday, Governor Hochul said.",
    "The congestion charge costs drivers $9 a day in Manhattan, the Governor said.",
    "New York's congestion pricing is the first in the United States; a comedian joked about it.",
    "A comedian hosted the Golden Globes; the comedian Nikki Glaser made history in Washington.",
    "The comedian's monologue was praised. Washington reacted. Critics in Washington agreed.",
    "Rents in Manhattan rose again, and rents in Brooklyn too; rents fell in Queens.",
    "The administration said it would act on the charge.",
    "Critics of the administration in Washington said the charge hurts drivers.",
    "The administration's plan for the charge followed in March.",
    "Drivers paid the charge. Drivers complained. Officials in Washington defended the charge to drivers.",
]
SPELLING = Spelling(*words_of(PASSAGES))


@pytest.mark.parametrize(("typed", "read"), [
    ("Where did congsetion charging begin?", "Where did congestion charging begin?"),  # two letters swapped
    ("Which comdeian hosted the Globes?", "Which comedian hosted the Globes?"),
    ("what did the adminstration say", "what did the administration say"),  # a letter left out
    ("Congsetion charging began where?", "Congestion charging began where?"),  # the first word keeps its capital
    ("What did the govenrment say in Washnigton?", "What did the govenrment say in Washington?"),  # a name as a name
])
def test_a_misspelt_word_is_read_as_the_passages_spell_it(typed: str, read: str):
    assert SPELLING.correct(typed) == read


@pytest.mark.parametrize("typed", [
    "How much does the congestion charge cost drivers in Manhattan?",  # every word known
    "Did a figurine of the comedian sell?",  # English, not in the passages: no misspelling of "figuring"
    "Was the charging rupture reported?",  # "rupture": a word of English
    "Which museum did the Drents Museum lend to?",  # a name the passages lack is no misspelling of "rents"
    "What did Corina Machado say?",
    "How many drivers paid 9 dollars in 2025?",  # figures are never changed
    "Who is Nikki Glasser?",  # a short name is read as another only when the passages name it often
])
def test_words_english_has_and_names_are_kept(typed: str):
    assert SPELLING.correct(typed) == typed


def test_a_form_of_a_known_word_is_kept():
    # "drive" is not in the passages, "drivers" is: the same stem, so not a misspelling to correct.
    assert SPELLING.correction("comedians") == "comedians"


def test_a_word_two_passages_spell_equally_often_is_left_alone():
    tied = Spelling(Counter({"barns": 3, "burns": 3}), Counter())
    assert tied.correction("bqrns") == "bqrns"
    assert Spelling(Counter({"barns": 4, "burns": 3}), Counter()).correction("bqrns") == "barns"


def test_a_correction_must_appear_in_three_passages():
    rare = Spelling(Counter({"stationed": 2}), Counter())
    assert rare.correction("statoined") == "statoined"


def test_an_empty_index_changes_nothing():
    typed = "Where did congsetion charging begin?"
    assert Spelling(*words_of([])).correct(typed) == typed


AWARDS = [
    "The BAFTA awards celebrate film. Awards season began.",
    "BAFTA nominations were announced; the awards are in London.",
    "Conclave won best film at the BAFTA awards in London.",
    "The awards were hosted by David Tennant. Bafta said so.",
    "Awards for film: the BAFTA ceremony in London was long.",
]


def test_a_name_typed_in_lower_case_is_written_as_the_passages_write_it():
    spelling = Spelling(*words_of(AWARDS))
    # "BAFTA" is the passages' most common way; "the" and "awards" open sentences but are written in lower case too
    assert spelling.correct("the bafta awards in london celebrate which art form") == \
        "the BAFTA awards in London celebrate which art form"
    # a misspelt name typed in lower case: corrected, then written as the passages write it
    assert SPELLING.correct("what did the adminstration say in washnigton") == \
        "what did the administration say in Washington"


def test_a_question_typed_with_capitals_keeps_its_lower_case_words():
    # its asker chose the case: "london" may be meant as a word, the passages' name is not forced on it
    spelling = Spelling(*words_of(AWARDS))
    assert spelling.correct("Did the BAFTA awards move from london?") == "Did the BAFTA awards move from london?"


def test_a_name_rare_in_the_passages_keeps_its_case():
    # "Tennant" is named once: too rare to say how the news writes it
    assert Spelling(*words_of(AWARDS)).correct("who is tennant") == "who is tennant"
