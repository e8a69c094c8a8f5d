"""What a loader reports instead of an article: an error (item skipped) or a warning (item kept)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """One item that failed (`level="error"`) or was loaded with a caveat (`"warning"`)."""

    item: str
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"
