"""The HTTP face: `newsqa serve` (native API, OpenAI-compatible API, MCP at /mcp, the page at /)
and `newsqa mcp` (MCP over stdio). A thin layer over the Python API, like the CLI and Discord."""

from __future__ import annotations

from newsqa.server.app import create_app, serve
from newsqa.server.service import NewsService

__all__ = ["NewsService", "create_app", "serve"]
