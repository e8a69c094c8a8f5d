"""The MCP tools through the official SDK's own client: over streamable HTTP at /mcp of a running
`newsqa serve`, and over stdio from `newsqa mcp` started as a desktop assistant starts it."""

from __future__ import annotations

import asyncio
import os

import pytest
from conftest import NEWSQA, SAMPLES, NewsqaServer, ingested_home
from mcp import Client
from mcp.client.stdio import StdioServerParameters

STRIKE = "How long did the Port of Kessel strike last?"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return ingested_home(tmp_path_factory.mktemp("mcp"), str(SAMPLES))


@pytest.fixture(scope="module")
def server(home):
    running = NewsqaServer(home, NEWSQA_LLM="none")
    yield running.wait_ready()
    running.stop()


async def session_run(target, steps):
    async with Client(target, read_timeout_seconds=300) as client:
        return await steps(client)


async def every_tool(client: Client) -> dict:
    tools = sorted(tool.name for tool in (await client.list_tools()).tools)
    search = await client.call_tool("search", {"query": "Kessel strike", "k": 2, "since": "March 1, 2025"})
    ask = await client.call_tool("ask", {"question": STRIKE, "as_of": "2025-03-20"})
    stats = await client.call_tool("stats", {})
    bad = await client.call_tool("ask", {"question": STRIKE, "since": "the day after never"})
    unknown = await client.call_tool("search", {"query": "strike", "source": ["Nowhere Times"]})
    return {"tools": tools, "search": search, "ask": ask, "stats": stats, "bad": bad, "unknown": unknown}


def check_every_tool(found: dict) -> None:
    assert found["tools"] == ["ask", "search", "stats"]
    passages = found["search"].structured_content["passages"]
    assert len(passages) == 2
    assert passages[0]["title"] == "Port of Kessel dock workers end nine-day strike"
    assert passages[0]["url"] == "https://coastalwire.example/news/kessel-strike-ends"
    assert passages[0]["published"].startswith("2025-03-12")
    answer = found["ask"].structured_content
    assert "nine-day strike" in answer["answer"] and "[1]" in answer["answer"] and not answer["abstained"]
    assert answer["sources"][0]["outlet"] == "Coastal Wire" and "nine-day" in answer["sources"][0]["quote"]
    assert found["stats"].structured_content["articles"] == 6
    assert found["bad"].is_error
    assert "since: cannot read 'the day after never' as a date" in found["bad"].content[0].text
    assert found["unknown"].is_error and "unknown source 'Nowhere Times'" in found["unknown"].content[0].text


def test_the_tools_over_streamable_http(server):
    check_every_tool(asyncio.run(session_run(f"{server.url}/mcp", every_tool)))


def test_the_tools_over_stdio(home):
    params = StdioServerParameters(command=str(NEWSQA), args=["mcp"],
                                   env={**os.environ, "NEWSQA_HOME": str(home), "NEWSQA_LLM": "none"})
    check_every_tool(asyncio.run(session_run(params, every_tool)))


def test_mcp_on_loopback_refuses_a_foreign_host_header(server):
    import httpx

    response = httpx.post(f"{server.url}/mcp", headers={"Host": "evil.example", "Accept": "application/json"},
                          json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert response.status_code in (400, 403, 421)
