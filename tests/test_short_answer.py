"""The Answer's short_answer: the bare phrase of the first verified sentence that answers."""

from __future__ import annotations

import pytest

from newsqa.bot.short_answer import answer_phrase


@pytest.mark.parametrize("question,sentence,phrase", [
    ("Which country has become the third in Asia to legalise same-sex marriage?",
     "Thailand has become the third country in Asia to legalise same-sex marriage", "Thailand"),
    ("How many U.S. troops are stationed in Syria?", "The U.S. has about 900 troops stationed in Syria.", "900"),
    ("President-elect Donald Trump floated the idea of renaming which body of water?",
     "Donald Trump floated renaming the Gulf of Mexico.", "Gulf of Mexico"),
    ("Roughly how much aid has the Biden administration given to Ukraine since its war began?",
     "The Biden administration has given Ukraine about $65 billion in military aid since the war began.",
     "$65 billion"),
    ("What percentage of Delaware students are chronically absent?",
     "About 25% of Delaware students are chronically absent.", "25%"),
    ("TikTok could be banned in the United States from which date?",
     "The ban could take effect on January 19, 2025.", "January 19, 2025"),
    ("Where in Baghdad did U.S. forces strike the militias?",
     "U.S. forces struck militias in Abu Ghraib and Jurf Al Nasr.", "Abu Ghraib and Jurf Al Nasr"),
    ("What name does the umbrella group of Iran-backed Iraqi militants use?",
     "The umbrella group of Iran-backed Iraqi militants known as the Islamic Resistance in Iraq uses the name.",
     "Islamic Resistance in Iraq"),
    ("Where in Baghdad did U.S. forces strike the militias?",
     "U.S. forces killed ten members of these groups in Iraq in attacks on Abu Ghraib and Jurf Al Nasr.",
     "Abu Ghraib and Jurf Al Nasr"),
    ("How have Delaware birth moms found support and relief?",
     "Delaware birth moms have found support and relief through open adoption.", "through open adoption"),
    ("Which artificial color additive was banned from use in US foods and beverages this week?",
     "Red No. 3 was banned from use in US foods and beverages this week.", "Red No. 3"),
])
def test_the_phrase_is_what_the_question_does_not_already_say(question, sentence, phrase):
    assert answer_phrase(question, sentence) == phrase


@pytest.mark.parametrize("question,sentence,phrase", [
    ("Which artificial color additive was banned from use in US foods this week?",
     "The FDA banned Red No. 3 from use in US foods this week", "Red No. 3"),
    ("Which countries were hit with 25% tariffs?", "Trump hit Canada and Mexico with 25% tariffs", "Canada and Mexico"),
    ("Which countries were hit with 25% tariffs?", "Canada and Mexico were hit with 25% tariffs by Trump",
     "Canada and Mexico"),
    ("Which agency banned the additive?", "The FDA banned Red No. 3", "FDA"),  # the doer asked: no passive
])
def test_what_was_done_to_something_is_answered_by_what_follows_the_verb(question, sentence, phrase):
    assert answer_phrase(question, sentence) == phrase


@pytest.mark.parametrize("question,sentence,phrase", [
    ("Where did the mayor declare an emergency this week?", "The mayor declared an emergency in Harbour Town on Monday",
     "Harbour Town"),
    ("Where did the talks take place?", "The talks took place on Monday in Geneva", "Geneva"),
    ("Who spoke on Monday?", "On Tuesday, Anna Berg spoke", "Anna Berg"),
    ("When did the talks take place?", "The talks took place on Monday", "Monday"),  # a day answers "when"
])
def test_a_place_or_a_person_is_not_a_day(question, sentence, phrase):
    assert answer_phrase(question, sentence) == phrase


def test_a_sentence_that_only_restates_the_question_is_kept_whole():
    assert answer_phrase("Who won the vote?", "Who won the vote.") == "Who won the vote"


@pytest.mark.parametrize("question,sentence,phrase", [
    ("Which Saudi club is the striker close to signing with?",
     "According to Spanish newspaper Marca, the striker is close to signing a deal with Al Nassr.", "Al Nassr"),
    ("What is the new fee to climb Mount Everest?",
     "The new fee to climb Mount Everest is $15,000, the Kathmandu Post reported.", "$15,000"),
    ("Who said the talks failed?", "The talks failed, President Joe Biden said.", "President Joe Biden"),
])
def test_who_says_it_is_the_answer_only_when_asked(question, sentence, phrase):
    assert answer_phrase(question, sentence) == phrase


@pytest.mark.parametrize("question,sentence,phrase", [
    ("Blue Origin launched a new rocket. What was the rocket's name?", "The rocket's name is New Glenn", "New Glenn"),
    ("Which of the following is the world's largest coral reef?",
     "The world's largest coral reef is the Great Barrier Reef", "Great Barrier Reef"),
    ("Who testified, calling Robert F. Kennedy Jr a predator?",
     "Caroline Kennedy testified, calling Robert F. Kennedy Jr. a predator", "Caroline Kennedy"),
    ("Which Supreme Court justice rebuked the president?", "Chief Justice John Roberts rebuked the president",
     "Chief Justice John Roberts"),
    # a name stops at a comma
    ("Who chairs the Harbour Board?", "Anna Berg, Harbour Board chair since 2020, spoke", "Anna Berg"),
    ("What is the name of the charity the prince left this week?",
     "The prince left Kestrel Trust, a Welsh charity he founded", "Kestrel Trust"),
    ("Which charity did the prince leave?", "The prince left Kestrel Trust, a Welsh charity he founded",
     "Kestrel Trust"),
    # an appositive describes the name before it; a place's region belongs to it
    ("Who opened the hospital wing?", "Anna Berg, the Duchess of Harbourshire, opened the hospital wing",
     "Anna Berg"),
    ("Where is the company based?", "The company is based in Harbour Town, Maine", "Harbour Town, Maine"),
    ("Who won the seat?", "The win came after Lee, then 29, beat Senator Tomas Alvarez, a veteran",
     "Senator Tomas Alvarez"),
])
def test_a_name_keeps_its_words_that_the_question_holds_too(question, sentence, phrase):
    assert answer_phrase(question, sentence) == phrase


@pytest.mark.parametrize("question,sentence,phrase", [
    ("Who leads the European Commission?", "Ursula von der Leyen leads the European Commission",
     "Ursula von der Leyen"),
    ("Which women's group marched in Dublin?", "The women's group Cumann na mBan marched in Dublin",
     "Cumann na mBan"),
    # a particle with no name after it is not part of the name
    ("Who wrote the symphony?", "The symphony was written by Ludwig van, the orchestra said", "Ludwig"),
])
def test_a_name_keeps_its_lowercase_particles(question, sentence, phrase):
    assert answer_phrase(question, sentence) == phrase
