"""Which articles a search may return: by outlet, by publication date, as on a date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass
class Filters:
    """Which articles a search may return."""

    sources: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    # `as_of` caps dates like `until`, but keeps undated articles (they may be older).
    as_of: datetime | None = None
    # Articles another of `sources` carried as a syndicated copy (stored once, under the outlet
    # that ran it first): they match the source filter too. Filled in by the search.
    carried: Sequence[str] = ()
