"""Time read from the question: "this week", "yesterday", "in June", "since March", "in 2021"
become a date window relative to the question's `as_of`; "latest", "recently" a preference for
fresh news; a question about something new ("the new fee", "has become") is answered only from
recent sources (`check.recent_news_days`).

Which phrases name a time, and what span of news each one means, is ours (a news question's
"this week" is the seven days up to as_of, not the calendar week); resolving the phrase against
as_of ("in March" asked in June is this year's March, "last month" is the calendar month before)
is dateparser's. How the window is used (a filter that falls back to all news, a preference, or
nothing) is `answer.time_window`, chosen by measurement (docs: Numbers).
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Literal

from pydantic import BaseModel, computed_field

_MONTH = (r"(?:January|February|March|April|June|July|August|September|October|November|December"
          r"|Jan\.?|Feb\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)")
_MAY = r"May(?=\s+\d)|(?<=\bin\s)May|(?<=\bsince\s)May|(?<=\bof\s)May"  # "may" is mostly a verb
_ANY_MONTH = rf"(?:{_MONTH}|{_MAY})"
_DAY_NAME = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_COUNT = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|a|a few)"
_YEAR = r"(?:19|20)\d\d"

# Each alternative is one kind of phrase; the first that matches in the question is read.
# Compiled on first use (a tenth of the CLI's start otherwise; the Answer type needs none of it).
_PHRASE_PATTERN = (
    "|".join([
        rf"(?P<since>\bsince\s+(?:{_ANY_MONTH}(?:\s+{_YEAR})?|{_YEAR}|last\s+(?:week|month|year)|{_DAY_NAME}))",
        rf"(?P<date>\b{_ANY_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?\b)",
        rf"(?P<month>\b(?:(?:early|mid|late)-?\s*)?{_ANY_MONTH}(?:,?\s+{_YEAR})?\b)",
        r"(?P<relative>\b(?:today|tonight|yesterday|(?:this|last|past|previous)\s+(?:week|weekend|month|year)"
        rf"|{_COUNT}\s+(?:days?|weeks?|months?|years?)\s+ago)\b)",
        rf"(?P<weekday>\b(?:last\s+|on\s+|this\s+(?:past\s+)?)?{_DAY_NAME}\b)",
        rf"(?P<year>\b(?:in|during|of)\s+{_YEAR}\b)",
        r"(?P<fresh>\b(?:latest|most recent(?:ly)?|recently|newest|currently|right now|so far)\b)",
    ])
)


@cache
def _phrases() -> re.Pattern[str]:
    return re.compile(_PHRASE_PATTERN, re.IGNORECASE)


# The words of "this week", "past year" that say how long the span is.
_SPANS = {"week": 7, "weekend": 3, "month": 31, "year": 365}


class TimeWindow(BaseModel):
    """What the question says about time: a window of publication dates, or only a preference
    for fresh news (`since` and `until` None); and how the search used it."""

    phrase: str  # the question's words it was read from
    since: datetime | None = None
    until: datetime | None = None
    # "filter": only news from the window was searched; "prefer": the window's news first, then
    # the rest; "all": the window held no news, so all of it was searched; "off": not used.
    used: Literal["filter", "prefer", "all", "off"] = "off"
    # The time named lies ahead of as_of ("will start in September", asked in June): nothing from
    # it is published yet, so the latest news is preferred, as for "latest".
    ahead: bool = False

    @property
    def is_window(self) -> bool:
        return self.since is not None or self.until is not None

    def describe(self) -> str:
        """How the faces say it: "news from 12–19 June 2025", "the latest news"."""
        if not self.is_window:
            return "the latest news (the time named is ahead)" if self.ahead else "the latest news"
        return f"news from {date_span(self.since, self.until)}"

    def searched(self) -> str | None:
        """The line the faces show under an answer; None when the window was not used."""
        said = f"(“{self.phrase}”)"
        if self.used == "filter":
            return f"Searched {self.describe()} {said}."
        if self.used == "prefer":
            return f"Searched {self.describe()} first {said}, then older news."
        if self.used == "all":
            return f"No {self.describe()} {said} in the index; searched all news."
        return None

    def earliest_source(self) -> datetime | None:
        """The earliest publication date a source may have to state what the question asks about
        (`check.source_in_window`): a day before the window, None without one."""
        return self.since - timedelta(days=1) if self.since else None

    @computed_field  # in the JSON of every Answer, for faces that render it without Python
    @property
    def shown(self) -> str | None:
        return self.searched()


def date_span(since: datetime | None, until: datetime | None) -> str:
    """"12–19 June 2025", "28 May – 3 June 2025", "1 March – 13 June 2025", "until 3 June 2025"."""
    if since is None:
        return f"until {_day(until)}" if until else "any time"
    if until is None:
        return f"{_day(since)} on"
    if since.date() == until.date():
        return _day(since)
    if (since.year, since.month) == (until.year, until.month):
        return f"{since.day}–{_day(until)}"
    if since.year == until.year:
        return f"{since.day} {since:%B} – {_day(until)}"
    return f"{_day(since)} – {_day(until)}"


def _day(d: datetime) -> str:
    return f"{d.day} {d:%B %Y}"


# A question about what is new ("the new fee", "has become", "this week", "recently") asks about
# the latest news; an article years older reports an earlier event of the same kind (the 2014
# Oscar nominations for "Which film has been nominated for 10 Oscars?"). The present perfect is
# read from its participle, so that "has the largest" is not taken for news.
_RECENT = re.compile(
    r"\b(?:new|newly|recent|recently|latest|this\s+(?:week|month|year))\b"
    r"|\b(?:has|have)\s+(?:(?:not|been|just|already|now|officially|finally)\s+)*"
    r"(?:\w+(?:ed|en|wn)|become|made|said|won|begun|had|found|left|held|sold|told|put|set|hit|cut|run|come|gone"
    r"|brought|bought|caught|fought|sought|built|sent|spent|lost|paid|kept|led|met|struck|shot|stood)\b",
    re.IGNORECASE)


def asks_about_recent_news(question: str) -> bool:
    """Whether the question asks about something new (its words, not a date it names).

    >>> asks_about_recent_news("Which country has become the third in Asia to legalise same-sex marriage?")
    True
    >>> asks_about_recent_news("Which country has the largest coral reef?")
    False
    """
    return bool(_RECENT.search(question))


def earliest_source(question: str, as_of: datetime, window: TimeWindow | None, in_window: bool,
                    recent_days: int) -> datetime | None:
    """The earliest publication date a source may have to support a claim (the check's
    `not_before`): with `in_window` (`check.source_in_window`), a day before the window the
    question names; else, for a question about something new, `recent_days` before as_of; else
    None."""
    if in_window and window and (earliest := window.earliest_source()):
        return earliest
    return recent_news_floor(question, as_of, window, recent_days)


def recent_news_floor(question: str, as_of: datetime, window: TimeWindow | None, days: int) -> datetime | None:
    """The earliest publication date a source may have to answer a question about recent news
    (`check.recent_news_days` before as_of, two years by default); None when `days` is 0, the
    question is not about something new, or it names a time that ended before then ("the new law
    of 2019")."""
    if not days or not asks_about_recent_news(question):
        return None
    as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)
    floor = as_of - timedelta(days=days)
    if window is not None and window.until is not None and window.until < floor:
        return None
    return floor


def lone_source_floor(as_of: datetime, window: TimeWindow | None, days: int,
                      until: datetime | None = None) -> datetime | None:
    """The publication date before which an article alone cannot carry an answer
    (`check.lone_source_days` before as_of): an answer all of whose cited articles are older
    needs another article found that states it too. None when `days` is 0 or the question asks
    about a time that ended before then: the window it names ("in 2019"; not a preference for the
    latest news), or `until`, the request's own end date.

    >>> as_of = datetime(2025, 6, 13, tzinfo=timezone.utc)
    >>> lone_source_floor(as_of, None, 30).date()
    datetime.date(2025, 5, 14)
    >>> lone_source_floor(as_of, read_time_window("Who won in 2019?", as_of), 30)
    """
    if not days:
        return None
    as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)
    floor = as_of - timedelta(days=days)
    asked_until = until or (window.until if window is not None and window.is_window else None)
    if asked_until is not None:
        asked_until = asked_until if asked_until.tzinfo else asked_until.replace(tzinfo=timezone.utc)
        if asked_until < floor:
            return None
    return floor


def read_time_window(question: str, as_of: datetime) -> TimeWindow | None:
    """The time the question names, relative to `as_of`; None when it names none.

    >>> w = read_time_window("Who won the race this week?", datetime(2025, 6, 13, tzinfo=timezone.utc))
    >>> w.describe()
    'news from 6–13 June 2025'
    """
    match = _phrases().search(question)
    if match is None:
        return None
    kind, phrase = match.lastgroup, match.group(0).strip()
    if kind == "fresh":
        return TimeWindow(phrase=phrase)
    as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)
    span = _span(kind, phrase, as_of)
    if span is None:
        return None
    since, until = span
    if since > as_of or (kind in ("month", "date") and _points_ahead(question, phrase)
                         and (since.year, since.month) != (as_of.year, as_of.month)):
        return TimeWindow(phrase=phrase, ahead=True)  # the next one: news about it runs before it
    until = min(until, as_of)  # nothing is published after the question is asked
    if since > until:  # e.g. "in December" asked on 1 December before anything ran: the month so far
        since = _midnight(until)
    return TimeWindow(phrase=phrase, since=since, until=until)


# Words that make a named month the next one rather than the last ("will start in September",
# "the summit scheduled for October", "from September"), asked before it comes.
_AHEAD = re.compile(
    r"\b(?:will|won't|shall|going\s+to|(?:is|are)\s+(?:set|due|expected|scheduled|slated|planned)\s+to|"
    r"plans?\s+to|planning\s+to|upcoming|next|scheduled|slated|to\s+be\s+held|starting|beginning)\b",
    re.IGNORECASE)


def _points_ahead(question: str, phrase: str) -> bool:
    """Whether the question speaks of the time it names as ahead: a future word in it, or the
    time introduced by "from", "starting", "beginning" or "next"; unless a verb in the past tense
    governs the time ("the minister who resigned in March")."""
    before = question[: question.lower().find(phrase.lower())] if phrase.lower() in question.lower() else ""
    if re.search(r"\b(?:\w+ed|made|won|held|said|took|gave|began|met|set|hit|cut|put|left|lost|paid|sold|told|was|were)"
                 r"\s+(?:(?:in|on|during|by)\s+)?$", before, re.IGNORECASE):
        return False
    return bool(_AHEAD.search(question)) or bool(re.search(r"\b(?:from|starting|beginning|next)\s*$", before,
                                                           re.IGNORECASE))


def _span(kind: str, phrase: str, as_of: datetime) -> tuple[datetime, datetime] | None:
    words = phrase.lower().split()
    if kind == "since":
        start = _resolve(" ".join(words[1:]), as_of)
        return (_period_start(*start), as_of) if start else None
    if kind == "relative" and (words[0] == "past" or (words[0] == "this" and words[-1] in ("week", "weekend"))):
        return as_of - timedelta(days=_SPANS[words[-1]]), as_of  # a news week: the seven days up to as_of
    if kind == "relative":
        phrase = re.sub(r"^previous\b", "last", phrase, flags=re.IGNORECASE)
    else:
        phrase = re.sub(r"^(?:on|in|during|of|this(?: past)?|early|mid|late)\s+|^mid-", "", phrase, flags=re.IGNORECASE)
    resolved = _resolve(phrase, as_of)
    if resolved is None:
        return None
    start, end = _period_start(*resolved), _period_end(*resolved)
    if resolved[1] == "day":
        end += timedelta(days=1)  # a day's events are reported that day and the next
    return start, end


def _resolve(text: str, as_of: datetime) -> tuple[datetime, str] | None:
    """The date a phrase names relative to as_of, with its period (day, week, month, year)."""
    from dateparser.date import DateDataParser  # on first use: the Answer type needs none of it

    base = as_of.astimezone(timezone.utc).replace(tzinfo=None)
    parser = DateDataParser(languages=["en"], settings={"PREFER_DATES_FROM": "past", "RETURN_TIME_AS_PERIOD": True,
                                                        "RELATIVE_BASE": base})
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    return data.date_obj.replace(tzinfo=timezone.utc), data.period or "day"


def _midnight(d: datetime) -> datetime:
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def _period_start(d: datetime, period: str) -> datetime:
    d = _midnight(d)
    if period == "week":
        return d - timedelta(days=7)
    if period == "month":
        return d.replace(day=1)
    if period == "year":
        return d.replace(month=1, day=1)
    return d


def _period_end(d: datetime, period: str) -> datetime:
    """The last moment of the period a date stands for."""
    d = _midnight(d)
    if period == "month":
        d = d.replace(day=monthrange(d.year, d.month)[1])
    elif period == "year":
        d = d.replace(month=12, day=31)
    return d + timedelta(days=1) - timedelta(microseconds=1)
