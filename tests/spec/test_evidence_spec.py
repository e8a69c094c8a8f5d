"""Fast spec tests of evidence selection, the question kinds and the short answer, with a stub
embedder (bag of words) instead of the real model: the rules, not the model, are under test."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from newsqa.bot.evidence import select_evidence
from newsqa.bot.short_answer import answer_phrase
from newsqa.index.question_kind import question_kind
from newsqa.index.search import SearchHit

pytestmark = pytest.mark.spec


class StubEmbedder:
    """Unit vectors of hashed words: texts sharing words are similar."""

    dims = 256

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dims))
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def tokenizer(self, texts: list[str], **_: object) -> dict:
        return {"input_ids": [text.split() for text in texts]}


def hit(article: str, text: str, chunk: str | None = None) -> SearchHit:
    return SearchHit(article, chunk or f"{article}-0", f"Title {article}", "Outlet", None, None, text, 0,
                     len(text), 1.0)


BRIDGE = hit("A", "The Ferris Street bridge will cost $48 million. Work on the bridge begins in September. "
                  "The council met on Tuesday.")
OTHER = hit("B", "The Ferris Street bridge was built in 1911. Traffic on the bridge grew last year.")


def test_evidence_stays_under_the_token_budget_and_the_sentence_cap():
    ev = select_evidence("When does work on the Ferris Street bridge begin?", [BRIDGE, OTHER], StubEmbedder(),
                         token_budget=12, max_sentences=4, min_relative_score=0.0)
    assert 0 < ev.tokens <= 12 + max(len(s.text.split()) for _, s in ev.lines())  # the first always fits
    ev = select_evidence("bridge", [BRIDGE, OTHER], StubEmbedder(), token_budget=500, max_sentences=2,
                         min_relative_score=0.0)
    assert len(ev.lines()) == 2


def test_each_source_keeps_the_text_of_its_retrieved_passages():
    # The model reads the chosen lines; the check looks for the question's figures in the whole passages.
    ev = select_evidence("Did the council meet on Tuesday?", [OTHER, BRIDGE], StubEmbedder(),
                         token_budget=500, max_sentences=1, min_relative_score=0.0)
    [source] = ev.sources
    assert [s.text for s in source.sentences] == ["The council met on Tuesday."]
    assert source.passages == BRIDGE.text and "$48 million" not in source.text


def test_evidence_is_numbered_by_article_best_sentence_first():
    ev = select_evidence("Did the council meet on Tuesday?", [OTHER, BRIDGE], StubEmbedder(),
                         token_budget=500, max_sentences=4, min_relative_score=0.0)
    assert ev.sources[0].article_id == "A" and ev.sources[0].sentences[0].text == "The council met on Tuesday."
    assert [s.label for _, s in ev.lines()] == list(range(1, len(ev.lines()) + 1))
    for source in ev.sources:
        scores = [s.score for s in source.sentences]
        assert scores == sorted(scores, reverse=True)
        for s in source.sentences:  # offsets point into the article text
            assert BRIDGE.text[s.start:s.end] == s.text or OTHER.text[s.start:s.end] == s.text


def test_the_second_try_reads_the_best_lines_alone_numbered_afresh():
    ev = select_evidence("When was the Ferris Street bridge built?", [BRIDGE, OTHER], StubEmbedder(),
                         token_budget=500, max_sentences=4, min_relative_score=0.0)
    best = sorted((s for _, s in ev.lines()), key=lambda s: -s.score)
    narrow = ev.narrowed(2)
    assert {s.text for _, s in narrow.lines()} == {s.text for s in best[:2]}
    assert [s.label for _, s in narrow.lines()] == [1, 2]
    assert [src.n for src in narrow.sources] == list(range(1, len(narrow.sources) + 1))
    assert narrow.sources[0].sentences[0].text == "The Ferris Street bridge was built in 1911."
    assert narrow.passages == ev.passages  # the check still reads the whole passages
    assert len(ev.lines()) > 2 and [s.label for _, s in ev.lines()] == list(range(1, len(ev.lines()) + 1))


def test_weak_sentences_are_left_out():
    ev = select_evidence("Did the council meet on Tuesday?", [BRIDGE], StubEmbedder(),
                         token_budget=500, max_sentences=4, min_relative_score=0.95)
    assert [s.text for _, s in ev.lines()] == ["The council met on Tuesday."]
    ev = select_evidence("Did the council meet on Tuesday?", [BRIDGE], StubEmbedder(),
                         token_budget=500, max_sentences=4, min_relative_score=0.0)
    assert len(ev.lines()) == 3


def test_no_passages_no_evidence():
    ev = select_evidence("Anything?", [], StubEmbedder())
    assert ev.sources == [] and ev.tokens == 0 and ev.best_similarity == 0.0


def test_a_figure_question_prefers_the_sentence_with_a_figure():
    hits = [hit("A", "The bridge cost was debated by the council members. The bridge will cost 48 million dollars.")]
    ev = select_evidence("How much will the bridge cost?", hits, StubEmbedder(), token_budget=500, max_sentences=1)
    assert "48 million" in ev.lines()[0][1].text


@pytest.mark.parametrize("question,label,expects", [
    ("How many U.S. troops are in Iraq?", "how many/much", "figure"),
    ("When does work begin?", "when", "figure"),
    ("In what year did the war end?", "which/what", "figure"),
    ("What percentage voted yes?", "which/what", "figure"),
    ("Who delivered a eulogy?", "who", "name"),
    ("The leader of which country said no?", "which/what", "name"),
    ("Where was the summit held?", "where", "name"),
    ("What did the court decide?", "which/what", ""),
    ("Why did the talks fail?", "why", ""),
    ("Name the winner.", "other", ""),
    # A question word opening a relative clause, or in a sentence before the question, is not the one asked.
    ("Researchers found that children who regularly consume what are kinder?", "which/what", ""),
    ("She made history when she became the youngest to accomplish which feat?", "which/what", "name"),
    ("The Epiphany, which is celebrated today, commemorates which event?", "which/what", "name"),
    ("The largest iceberg, which is breaking up, scientists say. How big is it now?", "how", "figure"),
    ("In what state did a jury order damages to a man who said he was harmed?", "which/what", "name"),
])
def test_question_kinds(question, label, expects):
    kind = question_kind(question)
    assert (kind.label, kind.expects) == (label, expects)


@pytest.mark.parametrize("question,sentence,phrase", [
    ("Which country has become the third in Asia to legalise same-sex marriage?",
     "Thailand has become the third country in Asia to legalise same-sex marriage.", "Thailand"),
    ("How much will the Ferris Street bridge cost?", "The Ferris Street bridge will cost $48 million.",
     "$48 million"),
])
def test_short_answer_is_the_new_words_of_the_asked_kind(question, sentence, phrase):
    assert answer_phrase(question, sentence) == phrase


def test_evidence_spans_several_articles_when_one_article_would_fill_it():
    first = hit("D", "The harbour tunnel toll rises in May. The harbour tunnel toll rises to nine dollars.")
    second = hit("E", "Drivers protested the harbour toll.")
    question = "How much does the harbour tunnel toll rise?"
    ev = select_evidence(question, [first, second], StubEmbedder(), token_budget=500, max_sentences=2,
                         min_relative_score=0.0)
    assert [src.article_id for src in ev.sources] == ["D"]  # D's two sentences score best
    ev = select_evidence(question, [first, second], StubEmbedder(), token_budget=500, max_sentences=2,
                         min_relative_score=0.0, per_article=1)
    assert [src.article_id for src in ev.sources] == ["D", "E"]


def test_a_sentence_that_leans_on_the_one_before_brings_it_along():
    story = hit("C", "Maria Lopez was named the new head of the port authority. She starts in March 2026. "
                     "The port handled record cargo.")
    question = "When does the new head start in March?"
    without = select_evidence(question, [story], StubEmbedder(), token_budget=500, max_sentences=1,
                              min_relative_score=0.0)
    assert [s.text for _, s in without.lines()] == ["She starts in March 2026."]
    with_context = select_evidence(question, [story], StubEmbedder(), token_budget=500, max_sentences=1,
                                   min_relative_score=0.0, context=True)
    assert [s.text for _, s in with_context.lines()] == [
        "Maria Lopez was named the new head of the port authority.", "She starts in March 2026."]
    assert with_context.tokens == sum(len(s.text.split()) for _, s in with_context.lines())


def test_a_sentence_that_asks_is_never_evidence():
    faq = hit("F", "Who is hosting the Tony Awards this year? Cynthia Erivo will host the ceremony in June.")
    ev = select_evidence("Who is hosting the Tony Awards this year?", [faq], StubEmbedder(), token_budget=500,
                         max_sentences=4, min_relative_score=0.0)
    assert [s.text for _, s in ev.lines()] == ["Cynthia Erivo will host the ceremony in June."]
    quoted = hit("G", 'He asked: "Who pays for the bridge?" The state pays for the bridge.')
    ev = select_evidence("Who pays for the bridge?", [quoted], StubEmbedder(), token_budget=500, max_sentences=4,
                         min_relative_score=0.0)
    assert [s.text for _, s in ev.lines()] == ["The state pays for the bridge."]


def test_the_first_passages_give_their_best_other_sentence():
    # The answer sits in the search's first passage, in a sentence that restates little of the
    # question; the second passage restates the question twice.
    first = hit("H", "It ended on Tuesday night. Monty the Giant Schnauzer took the top prize.")
    second = hit("I", "Which breed wins the Westminster dog show top prize is never certain. "
                      "A breed wins the Westminster dog show top prize once a year.")
    question = "Which breed won the top prize at the Westminster dog show?"
    best_two = select_evidence(question, [first, second], StubEmbedder(), token_budget=500, max_sentences=2,
                               min_relative_score=0.0)
    assert "Monty" not in " ".join(s.text for _, s in best_two.lines())
    ev = select_evidence(question, [first, second], StubEmbedder(), token_budget=500, max_sentences=2,
                         min_relative_score=0.0, top_passages=1)
    assert len(ev.lines()) == 3
    assert "Monty the Giant Schnauzer took the top prize." in [s.text for _, s in ev.lines()]
    # Within the budget only: nothing is added once the budget is spent.
    tight = select_evidence(question, [first, second], StubEmbedder(), token_budget=best_two.tokens,
                            max_sentences=2, min_relative_score=0.0, top_passages=1)
    assert tight.tokens == best_two.tokens
    # Each of the first passages gives one: the second passage's best other sentence too.
    two = select_evidence(question, [first, second], StubEmbedder(), token_budget=500, max_sentences=1,
                          min_relative_score=0.0, top_passages=2)
    assert [src.article_id for src in two.sources] == ["I", "H"] and len(two.lines()) == 3
    # A first passage's line that scores far below the best one is left out (top_passage_floor).
    scored_low = select_evidence(question, [first, second], StubEmbedder(), token_budget=500, max_sentences=1,
                                 min_relative_score=0.0, top_passages=2, top_passage_floor=0.99)
    assert len(scored_low.lines()) == 1


def test_a_sentence_two_outlets_carry_word_for_word_is_read_once():
    # One wire story in two outlets: the model would read the same line twice and the second
    # copy would take the place of another sentence.
    wire = "The harbour tunnel toll rises to nine dollars next week."
    first = hit("J", f"{wire} Drivers protested.")
    copy = hit("K", f"{wire.replace('toll', 'toll ')} Commuters shrugged.")  # spacing differs only
    ev = select_evidence("How much does the harbour tunnel toll rise?", [first, copy], StubEmbedder(),
                         token_budget=500, max_sentences=2, min_relative_score=0.0)
    texts = [s.text for _, s in ev.lines()]
    assert texts[0] == wire and len(texts) == 2
    assert ev.sources[0].article_id == "J"  # the first passage's copy is kept
    assert sum(" ".join(t.split()) == wire for t in texts) == 1
