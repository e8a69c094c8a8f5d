"""Rendering an Answer for Discord, within Discord's limits (plain functions; tests call them).

- Message content: at most 2,000 characters; a longer answer is split into several messages,
  only between whole units: a citation marker `[n]`, a markdown link `[text](url)`, an angle-
  bracketed URL `<…>`, an inline code span, a bold or italic span, a word. Joined back, the pieces
  are the text exactly.
- URLs in message content are wrapped in `<…>` so Discord shows no link preview of them; the
  sources live in an embed, whose links never unfurl.
- The sources embed: one field per cited article, `[n] title` as its name and `outlet, date`
  linked to the URL with the shortened quote as its value, trimmed so the embed stays within
  4,096 description, 25 fields, 256 per field name, 1,024 per field value and 6,000 in total.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime

import discord

from newsqa import Answer, FeedStatus, IndexStats

CONTENT_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
TITLE_LIMIT = 256
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
QUOTE_CHARS = 300

# Units that a split must never cut, first match wins; anything else splits at white space.
_UNIT = re.compile(
    r"```.*?```"  # code block
    r"|`[^`\n]*`"  # inline code
    r"|\*\*[^*\n]+?\*\*|__[^_\n]+?__|\*[^*\n]+?\*|~~[^~\n]+?~~|\|\|[^|\n]+?\|\|"  # bold, italic, strike, spoiler
    r"|\[[^\]\n]*\]\([^)\s]*\)"  # markdown link
    r"|<https?://[^>\s]+>"  # URL without preview
    r"|\[\d+(?:\s*,\s*\d+)*\]"  # citation marker
    r"|\S+"  # a word
    r"|\s+",
    re.DOTALL,
)
_BARE_URL = re.compile(r"(?<![<(])\bhttps?://[^\s<>()]+")


def suppress_previews(text: str) -> str:
    """Wrap bare URLs in <…> so Discord shows no preview of them."""
    return _BARE_URL.sub(lambda m: f"<{m.group(0)}>", text)


def wait_message(seconds: float) -> str:
    """What a reader who asks again inside the cooldown is told: a whole, positive number of seconds,
    rounded up (0.4 s left is "1 s", never "0 s").

    >>> wait_message(0.4)
    'Please wait 1 s before asking again.'
    >>> [wait_message(s) for s in (4.2, 5.0)] == [wait_message(5)] * 2
    True
    """
    return f"Please wait {max(1, math.ceil(seconds))} s before asking again."


def split_message(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut only between units; ''.join(pieces) == text.
    A single unit longer than the limit (a giant word) is the only thing cut inside. A piece may
    begin or end with white space: the sender strips it (and skips a piece of only that)."""
    pieces: list[str] = []
    current = ""
    for match in _UNIT.finditer(text):
        unit = match.group(0)
        if len(current) + len(unit) <= limit:
            current += unit
            continue
        if current:
            pieces.append(current)
        while len(unit) > limit:
            pieces.append(unit[:limit])
            unit = unit[limit:]
        current = unit
    if current:
        pieces.append(current)
    return pieces


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:") + "…"


def _escape_link_text(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


@dataclass
class EmbedField:
    name: str
    value: str


@dataclass
class SourcesEmbed:
    """What the sources embed holds (bot/discord/cog.py makes a discord.Embed of it)."""

    title: str
    description: str = ""
    fields: list[EmbedField] = field(default_factory=list)
    footer: str = ""

    def total(self) -> int:
        return (len(self.title) + len(self.description) + len(self.footer)
                + sum(len(f.name) + len(f.value) for f in self.fields))


def answer_text(answer: Answer) -> str:
    """The message text: the answer with its [n] markers, or a plain "I don't know" that says
    what was searched; the note (e.g. an LLM fallback) in italics."""
    if answer.abstained:
        text = ("I don't know: nothing in the indexed articles answers that."
                f"\nSearched for: “{shorten(answer.standalone_question, 300)}”")
    else:
        text = answer.answer
    if answer.note:
        text += f"\n*{answer.note.replace('*', '')}*"
    window = answer.time_window.searched() if answer.time_window else None
    if window:
        text += f"\n-# {window}"  # Discord's small grey subtext
    return suppress_previews(text)


def _field(citation, quote_chars: int) -> EmbedField:
    date = citation.published.date().isoformat() if citation.published else "undated"
    where = f"{citation.source or 'unknown outlet'}, {date}{citation.summary_note()}"
    name = shorten(f"[{citation.n}] {citation.title}", FIELD_NAME_LIMIT)
    link = f"[{_escape_link_text(where)}]({citation.url})" if citation.url else where
    quote = shorten(citation.quote, quote_chars) if quote_chars > 0 else ""
    value = link + (f"\n> {quote}" if quote else "")
    if len(value) > FIELD_VALUE_LIMIT:  # a very long URL: the link goes, the outlet and date stay
        value = shorten(f"{where}\n> {quote}", FIELD_VALUE_LIMIT)
    return EmbedField(name, value)


def sources_embed(answer: Answer) -> SourcesEmbed | None:
    """The cited sources, within every embed limit; None when nothing is cited."""
    if not answer.citations:
        return None
    citations = answer.citations[:FIELDS_LIMIT]
    count = len(answer.citations)
    footer = shorten(f"{answer.model} · {count} source{'s' * (count != 1)}", FOOTER_LIMIT)
    if len(answer.citations) > FIELDS_LIMIT:
        footer = shorten(f"{footer} · {len(answer.citations) - FIELDS_LIMIT} more not shown", FOOTER_LIMIT)
    quote_chars = QUOTE_CHARS
    while True:
        embed = SourcesEmbed(title="Sources", fields=[_field(c, quote_chars) for c in citations], footer=footer)
        if embed.total() <= EMBED_TOTAL_LIMIT:
            return embed
        quote_chars = quote_chars // 2 if quote_chars > 20 else 0
        if quote_chars == 0 and embed.total() > EMBED_TOTAL_LIMIT:
            embed = SourcesEmbed(title="Sources", fields=[_field(c, 0) for c in citations], footer=footer)
            while embed.total() > EMBED_TOTAL_LIMIT and embed.fields:
                embed.fields.pop()
            return embed



def stats_line(stats: IndexStats) -> str:
    """/stats: one line for the index, then one line a followed feed."""
    first, last = stats.published_first, stats.published_last
    line = (f"{stats.articles:,} articles · {stats.chunks:,} chunks · {len(stats.sources)} outlets · "
            f"published {first.date() if first else '–'} … {last.date() if last else '–'} · "
            f"model {stats.embedding_model}")
    return "\n".join([line, *(_feed_line(feed) for feed in stats.feeds)])


def _feed_line(feed: FeedStatus) -> str:
    def when(value: datetime | None) -> str:
        return discord.utils.format_dt(value, "R") if value else "never"

    line = (f"feed <{feed.url}>: polled {when(feed.last_poll)} · last new entry {when(feed.last_new_entry)}"
            f" · {feed.articles_added:,} added")
    return line + shorten(feed.entry_troubles(), 300) + (
        f" · last error: {shorten(feed.last_error, 200)}" if feed.last_error else "")
