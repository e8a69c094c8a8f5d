"""Discord rendering: splitting within the content limit without breaking a unit, link previews
suppressed, and the sources embed within every limit (property-based where it matters)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from newsqa.bot.answer import Answer, Citation
from newsqa.bot.discord.format import (
    CONTENT_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    answer_text,
    sources_embed,
    split_message,
    suppress_previews,
)
from newsqa.bot.time_window import read_time_window

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789.,'", min_size=1, max_size=30)
markers = st.integers(1, 30).map(lambda n: f"[{n}]") | st.lists(st.integers(1, 9), min_size=2, max_size=3).map(
    lambda ns: "[" + ", ".join(map(str, ns)) + "]")
links = st.tuples(words, words).map(lambda t: f"[{t[0]}](https://news.test/{t[1].replace(' ', '')})")
angled = words.map(lambda w: f"<https://news.test/{w}>")
bold = words.map(lambda w: f"**{w} {w}**")
code = words.map(lambda w: f"`{w} x`")
units = st.one_of(words, words, words, markers, links, angled, bold, code)
separators = st.sampled_from([" ", " ", "\n", "\n\n", "  "])
texts = st.lists(st.tuples(units, separators), min_size=1, max_size=400).map(
    lambda parts: "".join(u + s for u, s in parts))
PROTECTED = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]|\[[^\]\n]*\]\([^)\s]*\)|<https?://[^>\s]+>|\*\*[^*\n]+?\*\*|`[^`\n]*`")


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from([60, 200, CONTENT_LIMIT]))
def test_split_keeps_every_piece_within_the_limit_and_loses_nothing(text, limit):
    pieces = split_message(text, limit)
    assert "".join(pieces) == text
    assert all(len(p) <= limit for p in pieces)
    # No protected unit is cut unless it alone is longer than the limit (then it must be).
    bounds, position = set(), 0
    for piece in pieces[:-1]:
        position += len(piece)
        bounds.add(position)
    for match in PROTECTED.finditer(text):
        if len(match.group(0)) > limit:
            continue
        assert not any(match.start() < b < match.end() for b in bounds), (match.group(0), bounds)


def test_a_link_longer_than_the_limit_is_cut_and_nothing_else():
    link = "[" + "a" * 30 + "](https://news.test/" + "b" * 11 + ")"  # 61 characters
    text = f"See {link} now [1]."
    pieces = split_message(text, 60)
    assert "".join(pieces) == text and all(len(p) <= 60 for p in pieces)
    assert pieces[0] == "See " and pieces[-1].endswith(" now [1].")


def test_a_giant_word_is_the_only_thing_cut():
    pieces = split_message("x" * 4500, 2000)
    assert [len(p) for p in pieces] == [2000, 2000, 500]


def test_bare_urls_get_no_preview():
    text = "See https://news.test/a and <https://news.test/b> and [c](https://news.test/c)."
    assert suppress_previews(text) == "See <https://news.test/a> and <https://news.test/b> and [c](https://news.test/c)."


def _answer(n_citations: int, quote: str = "A quote.", title: str = "Title", url: str = "https://news.test/a",
            abstained: bool = False, text: str = "The bridge opens in May [1].") -> Answer:
    citations = [Citation(n=i, title=f"{title} {i}", source="Ledger", url=url, published=datetime(2025, 3, 1,
                          tzinfo=timezone.utc), quote=quote, article_id=f"a{i}", chunk_id=f"c{i}", start=0, end=5)
                 for i in range(1, n_citations + 1)]
    return Answer(question="q?", standalone_question="When does the bridge open?", answer=text, short_answer="May",
                  abstained=abstained, citations=citations, provider="none", model="extractive",
                  as_of=datetime.now(timezone.utc))


def test_the_embed_links_each_source_with_its_quote():
    embed = sources_embed(_answer(2))
    assert [f.name for f in embed.fields] == ["[1] Title 1", "[2] Title 2"]
    assert embed.fields[0].value == "[Ledger, 2025-03-01](https://news.test/a)\n> A quote."


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(0, 3000), st.integers(1, 600), st.integers(10, 1500))
def test_the_embed_stays_within_every_limit(n, quote_len, title_len, url_len):
    answer = _answer(n, quote="q " * (quote_len // 2), title="T" * title_len,
                     url="https://news.test/" + "u" * url_len)
    embed = sources_embed(answer)
    assert len(embed.fields) <= FIELDS_LIMIT
    assert all(len(f.name) <= FIELD_NAME_LIMIT and len(f.value) <= FIELD_VALUE_LIMIT for f in embed.fields)
    assert embed.total() <= EMBED_TOTAL_LIMIT
    assert embed.fields  # at least the first source is always shown


def test_i_dont_know_says_so_and_what_was_searched():
    text = answer_text(_answer(0, abstained=True, text="I don't know."))
    assert text.startswith("I don't know") and "When does the bridge open?" in text
    assert sources_embed(_answer(0, abstained=True)) is None


def test_the_time_the_question_named_is_said_under_the_answer():
    answer = _answer(1)
    assert "Searched" not in answer_text(answer)
    answer.time_window = read_time_window("When does the bridge open this week?", datetime(2025, 3, 15, 12,
                                                                                           tzinfo=timezone.utc))
    answer.time_window.used = "prefer"
    assert answer_text(answer).endswith("\n-# Searched news from 8–15 March 2025 first (“this week”), then older news.")


def test_a_note_on_the_answer_is_shown_in_italics_before_the_searched_line():
    answer = _answer(1)
    answer.note = ("The cited article was published on 4 March 2025, before the time the question names "
                   "(8–15 March 2025): it may report an earlier event.")
    answer.time_window = read_time_window("When does the bridge open this week?", datetime(2025, 3, 15, 12,
                                                                                           tzinfo=timezone.utc))
    answer.time_window.used = "prefer"
    lines = answer_text(answer).splitlines()
    assert lines[-2:] == [f"*{answer.note}*",
                          "-# Searched news from 8–15 March 2025 first (“this week”), then older news."]
