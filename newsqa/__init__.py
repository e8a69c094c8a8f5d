"""newsqa: answers about news articles, every claim cited to the article it came from.

The Python API is these names; the faces (the CLI, Discord, the evaluation harness) use nothing
deeper. See docs/guides/python.md for examples (they run as tests).

    from newsqa import Answerer, AskRequest, NewsIndex, load, load_settings

    settings = load_settings(home="news-data", llm="none")
    index = NewsIndex(settings)
    index.ingest(load(["articles/"], settings.fetch))
    answer = Answerer(settings, index).invoke(AskRequest(question="Who won?"))

Names are imported on first use, so `import newsqa` stays cheap and `newsqa.index` never pulls
in the answering core.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:  # the installed distribution's version: `newsqa --version`, the server's and the docs site's
    __version__ = version("newsqa")
except PackageNotFoundError:  # the source tree without an install
    __version__ = "0+unknown"

# name → module that defines it
_API: dict[str, str] = {
    # settings
    "Settings": "newsqa.bot.config",
    "load_settings": "newsqa.bot.config",
    # the index
    "NewsIndex": "newsqa.index.newsindex",
    "IngestReport": "newsqa.index.newsindex",
    "IndexStats": "newsqa.index.newsindex",
    "Article": "newsqa.index.article",
    "SearchHit": "newsqa.index.search",
    "Filters": "newsqa.index.filters",
    "NewsRetriever": "newsqa.index.retriever",
    "load": "newsqa.index.sources",
    "Problem": "newsqa.index.sources",
    "FeedStatus": "newsqa.index.newsindex",
    # following feeds
    "FeedFollower": "newsqa.index.follow",
    "PollReport": "newsqa.index.follow",
    "FeedSetting": "newsqa.index.settings",
    # answering
    "Answerer": "newsqa.bot.ask",
    "AskRequest": "newsqa.bot.answer",
    "Answer": "newsqa.bot.answer",
    "Citation": "newsqa.bot.answer",
    "Turn": "newsqa.bot.answer",
    "Retrieved": "newsqa.bot.answer",
    "EvidenceLine": "newsqa.bot.answer",
    "Flag": "newsqa.bot.answer",
    "ABSTAIN_TEXT": "newsqa.bot.answer",
    "Conversation": "newsqa.bot.conversation",
    "FeedbackStore": "newsqa.bot.feedback",
    "VotedAnswer": "newsqa.bot.feedback",
    "export_votes": "newsqa.bot.feedback",
    "TimeWindow": "newsqa.bot.time_window",
    "read_time_window": "newsqa.bot.time_window",
    # the citation check on its own (`newsqa check`)
    "AnswerChecker": "newsqa.bot.check",
    "CheckRequest": "newsqa.bot.check",
    "CheckResult": "newsqa.bot.check",
    # LLMs (one registry of providers) and the machine check
    "make_llm": "newsqa.bot.llm",
    "llm_spec_help": "newsqa.bot.llm",
    "diagnose": "newsqa.bot.doctor",
    # dates as people type them (flags, options)
    "parse_date_option": "newsqa.dates",
    "aware_date": "newsqa.dates",
    "ReadableDate": "newsqa.dates",
    "ReadableDateOrNone": "newsqa.dates",
    # errors a user can cause, each with a one-line message
    "NewsqaError": "newsqa.errors",
    "BadQuery": "newsqa.errors",
    "EmptyIndex": "newsqa.errors",
    "LoadError": "newsqa.errors",
    "FetchError": "newsqa.errors",
    "StoreUnavailable": "newsqa.errors",
    "ModelMismatch": "newsqa.errors",
    "one_line": "newsqa.errors",
}

__all__ = [  # the same names as _API (a test holds them equal)
    "ABSTAIN_TEXT", "Answer", "AnswerChecker", "Answerer", "Article", "AskRequest", "BadQuery",
    "CheckRequest", "CheckResult", "Citation", "Conversation", "EmptyIndex", "EvidenceLine",
    "FeedFollower", "FeedSetting", "FeedbackStore", "FeedStatus", "FetchError", "Filters", "Flag", "IndexStats",
    "IngestReport",
    "LoadError", "ModelMismatch", "PollReport",
    "NewsIndex", "NewsRetriever", "NewsqaError", "Problem", "ReadableDate", "ReadableDateOrNone", "Retrieved",
    "SearchHit", "Settings",
    "StoreUnavailable", "TimeWindow", "Turn", "VotedAnswer", "aware_date", "diagnose", "export_votes",
    "llm_spec_help", "load", "load_settings",
    "make_llm", "one_line", "parse_date_option", "read_time_window",
]


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'newsqa' has no attribute {name!r}")
    value = getattr(import_module(_API[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # what type checkers and editors see
    from newsqa.bot.answer import ABSTAIN_TEXT, Answer, AskRequest, Citation, EvidenceLine, Flag, Retrieved, Turn
    from newsqa.bot.ask import Answerer
    from newsqa.bot.check import AnswerChecker, CheckRequest, CheckResult
    from newsqa.bot.config import Settings, load_settings
    from newsqa.bot.conversation import Conversation
    from newsqa.bot.doctor import diagnose
    from newsqa.bot.feedback import FeedbackStore, VotedAnswer, export_votes
    from newsqa.bot.llm import llm_spec_help, make_llm
    from newsqa.bot.time_window import TimeWindow, read_time_window
    from newsqa.dates import ReadableDate, ReadableDateOrNone, aware_date, parse_date_option
    from newsqa.errors import (
        BadQuery,
        EmptyIndex,
        FetchError,
        LoadError,
        ModelMismatch,
        NewsqaError,
        StoreUnavailable,
        one_line,
    )
    from newsqa.index.article import Article
    from newsqa.index.filters import Filters
    from newsqa.index.follow import FeedFollower, PollReport
    from newsqa.index.newsindex import FeedStatus, IndexStats, IngestReport, NewsIndex
    from newsqa.index.retriever import NewsRetriever
    from newsqa.index.search import SearchHit
    from newsqa.index.settings import FeedSetting
    from newsqa.index.sources import Problem, load
