"""Dates people type (command-line flags, Discord and HTTP options), read one way for every face."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator

from newsqa.errors import BadQuery


def parse_date_option(value: str | None, name: str) -> datetime | None:
    """A date a person typed (a flag, a command option); None when not given. Unlike
    `parse_published`, an unreadable date is an error that names the option."""
    if not value:
        return None
    try:
        return _read(value)
    except ValueError as exc:
        raise BadQuery(f"{name}: {exc}") from None


def aware_date(value: Any) -> Any:
    """A str or datetime as a zone-aware datetime (ValueError naming the unreadable text); other
    values as given, for pydantic to judge."""
    if isinstance(value, str):
        return _read(value) if value.strip() else None
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _read(text: str) -> datetime:
    from newsqa.index.article import parse_published  # on first use: it brings the article readers

    parsed = parse_published(text)
    if parsed is None:
        raise ValueError(f"cannot read {text!r} as a date (try 2025-01-31)")
    return parsed


# A pydantic field type for dates in requests (JSON from the HTTP faces): read as people write them,
# without a zone as UTC; an empty text is no date.
ReadableDate = Annotated[datetime, BeforeValidator(aware_date)]
ReadableDateOrNone = Annotated[datetime | None, BeforeValidator(aware_date)]
