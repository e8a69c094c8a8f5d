"""Fast spec tests of reading time from a question and dating undated articles."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from newsqa.bot.time_window import (
    asks_about_recent_news,
    date_span,
    lone_source_floor,
    read_time_window,
    recent_news_floor,
)
from newsqa.index.article import Article, with_inferred_date

pytestmark = pytest.mark.spec

AS_OF = datetime(2025, 6, 13, 15, 0, tzinfo=timezone.utc)  # a Friday


def day(y: int, m: int, d: int) -> str:
    return datetime(y, m, d).date().isoformat()


@pytest.mark.parametrize(("question", "phrase", "since", "until"), [
    ("Which team won the final this week?", "this week", day(2025, 6, 6), day(2025, 6, 13)),
    ("What did the court rule yesterday?", "yesterday", day(2025, 6, 12), day(2025, 6, 13)),
    ("How much did prices rise last month?", "last month", day(2025, 5, 1), day(2025, 5, 31)),
    ("Who was elected in March?", "March", day(2025, 3, 1), day(2025, 3, 31)),
    ("What has the bank done in June?", "June", day(2025, 6, 1), day(2025, 6, 13)),
    ("How many jobs were added this year?", "this year", day(2025, 1, 1), day(2025, 6, 13)),
    ("Which law passed in 2021?", "in 2021", day(2021, 1, 1), day(2021, 12, 31)),
    ("How far have shares fallen since March?", "since March", day(2025, 3, 1), day(2025, 6, 13)),
    ("Who won the race on Sunday?", "on Sunday", day(2025, 6, 8), day(2025, 6, 9)),
    ("What happened at the summit on June 10?", "June 10", day(2025, 6, 10), day(2025, 6, 11)),
    ("Which storm hit the coast last week?", "last week", day(2025, 5, 30), day(2025, 6, 6)),
    ("What did the minister say in early December?", "early December", day(2024, 12, 1), day(2024, 12, 31)),
])
def test_a_named_time_becomes_a_window_relative_to_as_of(question, phrase, since, until):
    window = read_time_window(question, AS_OF)
    assert window is not None and window.phrase == phrase
    assert (window.since.date().isoformat(), window.until.date().isoformat()) == (since, until)
    assert window.until <= AS_OF  # nothing after the question is asked


@pytest.mark.parametrize(("question", "phrase"), [
    ("Which school will she attend from September?", "September"),
    ("Where is the summit in October to be held?", "October"),
    ("Who is expected to win the vote scheduled for November?", "November"),
    ("Which team will host the final on July 4?", "July 4"),
    ("Which school does she join starting August?", "August"),
    ("Which city will host the games in 2026?", "in 2026"),
])
def test_a_time_named_for_something_ahead_is_the_next_one_and_the_latest_news_is_preferred(question, phrase):
    window = read_time_window(question, AS_OF)
    assert window is not None and window.phrase == phrase and window.ahead
    assert not window.is_window  # nothing from the coming month is published yet: no filter on it
    assert window.describe() == "the latest news (the time named is ahead)"


@pytest.mark.parametrize(("question", "since"), [
    ("Who will replace the minister who resigned in March?", day(2025, 3, 1)),  # a past verb governs March
    ("Who won the election in November?", day(2024, 11, 1)),  # no word of the future: the last one
    ("What will the bank do after the cut it made in May?", day(2025, 5, 1)),
])
def test_a_time_in_the_past_stays_the_last_one(question, since):
    window = read_time_window(question, AS_OF)
    assert window is not None and not window.ahead and window.since.date().isoformat() == since


def test_latest_is_a_preference_not_a_window():
    window = read_time_window("What is the latest on the ceasefire talks?", AS_OF)
    assert window is not None and not window.is_window and window.phrase == "latest"


@pytest.mark.parametrize("question", [
    "Who may lead the party?",  # "may" the verb
    "What did the Louisiana Purchase of land cost?",
    "Which country won the most medals?",
])
def test_a_question_naming_no_time_has_no_window(question):
    assert read_time_window(question, AS_OF) is None


def test_the_window_is_said_the_way_people_say_dates():
    window = read_time_window("Who won this week?", AS_OF)
    window.used = "filter"
    assert window.searched() == "Searched news from 6–13 June 2025 (“this week”)."
    window.used = "all"
    assert window.searched() == "No news from 6–13 June 2025 (“this week”) in the index; searched all news."
    window.used = "off"
    assert window.searched() is None
    assert date_span(datetime(2025, 5, 28), datetime(2025, 6, 3)) == "28 May – 3 June 2025"
    assert date_span(datetime(2024, 12, 28), datetime(2025, 1, 3)) == "28 December 2024 – 3 January 2025"


@pytest.mark.parametrize(("url", "text", "date", "how"), [
    ("https://news.test/story/2026/06/16/bridge-plan/", "The council met.", "2026-06-16", "url"),
    (None, "WASHINGTON, June 16, 2026 — The council met.", "2026-06-16", "dateline"),
    (None, "By A. Writer\nUpdated June 16, 2026, 3:04 PM\nThe council met.", "2026-06-16", "updated line"),
])
def test_an_undated_article_is_dated_from_its_url_or_text_and_marked_inferred(url, text, date, how):
    article = with_inferred_date(Article(title="Council", text=text, url=url))
    assert article.published.date().isoformat() == date
    assert article.extra["published_inferred"] == how


def test_a_date_inside_the_story_is_not_taken_for_its_publication_date():
    article = with_inferred_date(Article(title="Law", text="The law passed on June 3, 2019, after a long fight."))
    assert article.published is None and "published_inferred" not in article.extra


def test_an_article_with_its_own_date_keeps_it():
    own = datetime(2026, 1, 2, tzinfo=timezone.utc)
    article = with_inferred_date(Article(title="x", text="y", url="https://news.test/2020/01/01/x", published=own))
    assert article.published == own and not article.extra


@pytest.mark.parametrize(("question", "recent"), [
    ("What is the new fee to climb Mount Everest?", True),
    ("Which country has become the third in Asia to legalise same-sex marriage?", True),
    ("Which film has been nominated for 10 Oscars?", True),
    ("Who recently became the first player to score 50,000 points?", True),
    ("What did the council approve this week?", True),
    ("Which country has the largest coral reef?", False),
    ("Which country will host the 2026 World Cup?", False),
    ("Who founded the company?", False),
])
def test_a_question_about_something_new_is_read_from_its_words(question, recent):
    assert asks_about_recent_news(question) is recent


def test_a_question_about_something_new_is_answered_from_recent_sources_only():
    floor = recent_news_floor("What is the new fee to climb Mount Everest?", AS_OF, None, 730)
    assert floor is not None and floor.date().isoformat() == "2023-06-14"
    assert recent_news_floor("What is the new fee to climb Mount Everest?", AS_OF, None, 0) is None  # off
    assert recent_news_floor("Who founded the company?", AS_OF, None, 730) is None
    # a time the question names that ended before then is what it asks about
    old = read_time_window("Which new law passed in 2021?", AS_OF)
    assert recent_news_floor("Which new law passed in 2021?", AS_OF, old, 730) is None
    this_year = read_time_window("Which new law passed this year?", AS_OF)
    assert recent_news_floor("Which new law passed this year?", AS_OF, this_year, 730) is not None


def test_an_answer_needs_a_second_article_when_it_rests_on_one_older_than_lone_source_days():
    floor = lone_source_floor(AS_OF, None, 30)
    assert floor is not None and (AS_OF - floor).days == 30
    assert lone_source_floor(AS_OF, None, 0) is None  # off
    # a question about a time that ended before then is answered from that time's news
    in_2021 = read_time_window("Which law passed in 2021?", AS_OF)
    assert lone_source_floor(AS_OF, in_2021, 30) is None
    this_week = read_time_window("Which law passed this week?", AS_OF)
    assert lone_source_floor(AS_OF, this_week, 30) == floor
    # as does a request's own end date before then
    assert lone_source_floor(AS_OF, None, 30, until=in_2021.until) is None
