"""The MCP face (the official `mcp` SDK, 2.x): tools `search`, `ask` and `stats`, served over
streamable HTTP at /mcp by `newsqa serve` and over stdio by `newsqa mcp`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from newsqa import AskRequest, NewsqaError, parse_date_option
from newsqa.server.openai_compat import citations
from newsqa.server.service import Busy, NewsService, NotReady, SearchRequest, ShuttingDown

INSTRUCTIONS = (
    "newsqa answers questions about the news articles it has indexed. `ask` gives an answer whose every "
    "sentence cites ([n]) an article that states it, or \"I don't know.\"; `search` gives the dated passages "
    "that match a query, with their URLs; `stats` says what the index holds. Dates may be written as "
    "people write them (2025-06-10, June 10 2025)."
)


def build_mcp(service: NewsService) -> MCPServer:
    mcp = MCPServer("newsqa", instructions=INSTRUCTIONS)

    @mcp.tool()
    async def search(query: str, k: int = 8, source: list[str] | None = None, since: str | None = None,
                     until: str | None = None, as_of: str | None = None) -> dict[str, Any]:
        """The passages of indexed news articles that best match a query, best first, each with its
        article id, title, outlet, publication date and URL. `source` keeps only those outlets;
        `since`/`until` bound the publication date; `as_of` searches as on that date."""
        with _tool_errors(service):
            request = SearchRequest(query=query, k=k, sources=source or [], since=_date(since, "since"),
                                    until=_date(until, "until"), as_of=_date(as_of, "as_of"))
            return {"passages": await service.look_up(service.search, request)}

    @mcp.tool()
    async def ask(question: str, as_of: str | None = None, source: list[str] | None = None,
                  since: str | None = None, until: str | None = None) -> dict[str, Any]:
        """Answer a question from the indexed news: every sentence of the answer cites the article
        that states it ([n], listed in `sources` with outlet, date, URL and the supporting quote),
        or the answer is "I don't know." when no article states it. `as_of` answers as on that date
        ("this week" is read against it); `source`, `since`, `until` narrow the articles searched."""
        with _tool_errors(service):
            options: dict[str, Any] = {"sources": source or [], "since": _date(since, "since"),
                                       "until": _date(until, "until")}
            if as_of:
                options["as_of"] = _date(as_of, "as_of")
            request = service.prepare(AskRequest(question=question, **options))
            answer = await service.run(service.ask, request)
        return {"answer": answer.answer, "abstained": answer.abstained, "short_answer": answer.short_answer,
                "sources": citations(answer), "note": answer.note}

    @mcp.tool()
    async def stats() -> dict[str, Any]:
        """What the index holds: articles, chunks, outlets, the range of publication dates."""
        with _tool_errors(service):
            data = await service.look_up(service.stats)
        return data.model_dump(mode="json")

    return mcp


def _date(value: str | None, name: str):
    return parse_date_option(value, name) if value else None


@contextmanager
def _tool_errors(service: NewsService) -> Iterator[None]:
    """A user's mistake, a full waiting line or models still loading: a tool error whose message the
    assistant reads (anything else stays a crash, its details only in the server's log)."""
    try:
        yield
    except ShuttingDown:
        raise ToolError("newsqa is stopping; retry in a few seconds") from None
    except Busy:
        raise ToolError(f"newsqa is busy; retry in {service.retry_after()} s") from None
    except (NewsqaError, NotReady) as exc:
        raise ToolError(str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ToolError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
