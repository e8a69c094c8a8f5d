"""`newsqa mcp`: the MCP tools over stdio (a desktop assistant starts this command itself)."""

from __future__ import annotations

from newsqa import Settings
from newsqa.server.mcp_tools import build_mcp
from newsqa.server.service import NewsService


def run_stdio(settings: Settings) -> None:
    """Load the index and the models, then serve MCP on stdin/stdout until the client closes it."""
    service = NewsService(settings)
    service.load()  # before the first message: a tool call then never waits on loading
    build_mcp(service).run("stdio")
