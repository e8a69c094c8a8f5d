"""Dates people type (command-line flags, Discord and HTTP options), read one way for every face."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from newsqa.errors import BadQuery


def parse_date_option(value: str | None, name: str) -> datetime | None:
    """A date a person typed (a flag, a command option); None when not given. Unlike
    `parse_published`, an unreadable date is an error that names the option."""
    if not value:
        return None
    from newsqa.index.article import parse_published  # on first use: it brings the article readers

    parsed = parse_published(value)
    if parsed is None:
        raise BadQuery(f"{name}: cannot read {value!r} as a date (try 2025-01-31)")
    return parsed


def aware_date(value: Any) -> Any:
    """A str or datetime as a zone-aware datetime (ValueError naming the unreadable text); other
    values as given, for pydantic to judge."""
    if isinstance(value, str):
        if not value.strip():
            return None
        from newsqa.index.article import parse_published

        parsed = parse_published(value)
        if parsed is None:
            raise ValueError(f"cannot read {value!r} as a date (try 2025-01-31)")
        return parsed
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
