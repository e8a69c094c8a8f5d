"""`newsqa serve` as a real process on loopback, asked through the official `openai` client, the
native API and the CLI; errors, the waiting line, the token and the body cap as a client meets them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time

import httpx
import openai
import pytest
from conftest import NEWSQA, SAMPLES, NewsqaServer, free_port, ingested_home

from newsqa.server.guard import is_loopback

STRIKE = "How long did the Port of Kessel strike last?"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The sample articles; `newsqa` answers with the small test model, `newsqa-none` extractively.
    One worker and one waiting place, so that a burst of questions meets the limit."""
    home = ingested_home(tmp_path_factory.mktemp("serve"), str(SAMPLES))
    running = NewsqaServer(home, NEWSQA_LLM="test", NEWSQA_SERVER__WORKERS="1", NEWSQA_SERVER__QUEUE_SIZE="1")
    yield running.wait_ready()
    running.stop()


@pytest.fixture(scope="module")
def client(server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)


def test_health_says_ready_with_its_data_directory_and_models(server):
    health = httpx.get(f"{server.url}/healthz").json()
    assert health["status"] == "ready"
    assert health["home"] == str(server.home.resolve())
    assert health["models"] == {"newsqa": "test", "newsqa-none": "none"}


def test_models_are_the_answering_profiles(client):
    assert [m.id for m in client.models.list()] == ["newsqa", "newsqa-none"]


def test_chat_completion_is_the_cited_answer_with_its_sources(client):
    reply = client.chat.completions.create(model="newsqa-none", messages=[{"role": "user", "content": STRIKE}])
    text = reply.choices[0].message.content
    assert "nine-day strike" in text and "[1]" in text
    assert "\n\nSources:\n[1] Port of Kessel dock workers end nine-day strike — Coastal Wire, 2025-03-12." in text
    [citation] = [c for c in reply.citations if c["n"] == 1]
    assert citation["url"] == "https://coastalwire.example/news/kessel-strike-ends"
    assert citation["outlet"] == "Coastal Wire" and citation["date"] == "2025-03-12"
    assert "nine-day strike" in citation["quote"]
    assert reply.newsqa["question"] == STRIKE and reply.newsqa["abstained"] is False
    assert reply.choices[0].finish_reason == "stop"


def test_the_small_model_answers_through_the_default_profile(client):
    reply = client.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": STRIKE}])
    assert reply.newsqa["provider"] == "test" and reply.newsqa["model"].startswith("SmolLM2")
    assert reply.choices[0].message.content  # an answer or "I don't know.", never empty
    assert reply.usage.prompt_tokens > 0


def test_streamed_chunks_add_up_to_the_plain_reply(client):
    plain = client.chat.completions.create(model="newsqa-none", messages=[{"role": "user", "content": STRIKE}])
    chunks = list(client.chat.completions.create(model="newsqa-none", stream=True,
                                                 messages=[{"role": "user", "content": STRIKE}]))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.citations[0]["url"] == "https://coastalwire.example/news/kessel-strike-ends"
    assert last.newsqa["answer"] == plain.newsqa["answer"]


def test_earlier_turns_are_the_conversation(client):
    first = client.chat.completions.create(model="newsqa-none", messages=[{"role": "user", "content": STRIKE}])
    reply = client.chat.completions.create(model="newsqa-none", messages=[
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": STRIKE},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "What did the union president say about it?"},
    ])
    assert "Kessel" in reply.newsqa["standalone_question"]  # the follow-up carries its subject
    assert "Hanne Voss" in reply.choices[0].message.content


def test_options_openai_has_no_field_for_go_in_the_body(client):
    before = client.chat.completions.create(model="newsqa-none", messages=[{"role": "user", "content": STRIKE}],
                                            extra_body={"as_of": "2025-03-01"})
    assert before.choices[0].message.content == "I don't know."  # the strike ended on 12 March
    assert before.citations == []
    other_outlet = client.chat.completions.create(model="newsqa-none", messages=[{"role": "user", "content": STRIKE}],
                                                  extra_body={"source": "Millbrook Ledger"})
    assert all(c["outlet"] == "Millbrook Ledger" for c in other_outlet.citations)
    assert "nine-day" not in other_outlet.choices[0].message.content


@pytest.mark.parametrize(("body", "message"), [
    ({"as_of": "the day after never"}, "as_of: cannot read 'the day after never' as a date"),
    ({"source": "Nowhere Times"}, "unknown source 'Nowhere Times'"),
    ({"model": "gpt-9"}, "unknown model 'gpt-9'; this server offers newsqa, newsqa-none"),
    ({"content": "x" * 1200}, "the question is 1,200 characters; the limit is 1,000"),
])
def test_a_bad_request_is_400_with_one_line(client, body, message):
    model = body.pop("model", "newsqa-none")
    question = body.pop("content", STRIKE)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": question}],
                                       extra_body=body)
    assert message in caught.value.message
    assert "\n" not in caught.value.body["message"] and "Traceback" not in caught.value.response.text


def test_malformed_requests_get_one_line_and_no_traceback(server):
    as_json = {"Content-Type": "application/json"}
    cases = [
        httpx.post(f"{server.url}/v1/chat/completions", content=b"{not json", headers=as_json),
        httpx.post(f"{server.url}/v1/chat/completions", json={"messages": []}),
        httpx.post(f"{server.url}/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "hi"}]}),
        httpx.post(f"{server.url}/ask", json={"question": "   "}),
        httpx.post(f"{server.url}/search", json={"query": "strike", "k": 1000}),
    ]
    for response in cases:
        assert response.status_code == 400, response.text
        assert response.json()["error"]["message"].count("\n") == 0
        assert "Traceback" not in response.text
    assert cases[2].json()["error"]["message"] == "the last message must be the user's question"
    assert cases[3].json()["error"]["message"] == "the question is empty"


def test_native_ask_search_check_and_stats(server):
    answer = httpx.post(f"{server.url}/ask", json={"question": STRIKE, "llm": "none"}, timeout=60).json()
    assert "nine-day strike" in answer["answer"] and answer["citations"][0]["source"] == "Coastal Wire"
    rows = httpx.post(f"{server.url}/search", json={"query": "Kessel strike", "k": 2}).json()
    assert rows[0]["title"] == "Port of Kessel dock workers end nine-day strike" and len(rows) == 2
    assert set(rows[0]) == {"article_id", "chunk_id", "title", "source", "url", "published", "text", "start",
                            "end", "score", "carried_by"}
    checked = httpx.post(f"{server.url}/check", json={
        "id": "q1", "answer": "The bridge will cost $48 billion [1].",
        "sources": [{"n": 1, "text": "The bridge will cost $48 million."}]}).json()
    assert checked["sentences"][0]["supported"] is False
    assert "$48 billion" not in checked["answer"]
    stats = httpx.get(f"{server.url}/stats").json()
    assert stats["articles"] == 6 and "Coastal Wire" in stats["sources"]


def test_streamed_native_answer_ends_with_the_checked_answer(server):
    with httpx.stream("POST", f"{server.url}/ask/stream", json={"question": STRIKE}, timeout=120) as response:
        events = [line[7:] for line in response.iter_lines() if line.startswith("event: ")]
    assert events[-1] == "answer" and set(events) <= {"draft", "answer"}


def test_docs_and_the_page_load_without_a_cdn(server):
    docs = httpx.get(f"{server.url}/docs").text
    assert "/static-offline-docs/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert httpx.get(f"{server.url}/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert {"/ask", "/ask/stream", "/search", "/check", "/stats", "/healthz", "/v1/chat/completions",
            "/v1/models"} <= set(paths)
    page = httpx.get(server.url).text
    assert '<form id="ask">' in page and "http" not in page.split("<body>")[1].replace('href="/docs"', "")


def test_a_burst_past_the_waiting_line_is_refused_with_retry_after(server):
    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=120) as http:
            return await asyncio.gather(*[
                http.post(f"{server.url}/ask", json={"question": f"{STRIKE} ({n})"}) for n in range(8)])

    responses = asyncio.run(burst())
    codes = sorted(r.status_code for r in responses)
    assert set(codes) == {200, 429}, codes
    assert codes.count(200) >= 2  # the worker's and the waiting place's
    refused = [r for r in responses if r.status_code == 429]
    assert all(int(r.headers["Retry-After"]) >= 1 for r in refused)
    assert refused[0].json()["error"]["message"].startswith("busy: every worker and the waiting line are full")
    assert httpx.get(f"{server.url}/healthz").status_code == 200


def test_a_search_is_not_held_behind_the_answers(server):
    """Searches need no LLM: with every answer worker and waiting place taken, a search is answered."""
    async def full_then_search() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(timeout=120) as http:
            asks = [asyncio.create_task(http.post(f"{server.url}/ask", json={"question": f"{STRIKE} [{n}]"}))
                    for n in range(4)]
            refused = None
            for finished in asyncio.as_completed(asks):
                response = await finished
                if response.status_code == 429:  # the line is full now
                    refused = response
                    break
            search = await http.post(f"{server.url}/search", json={"query": "Kessel strike", "k": 3})
            await asyncio.gather(*asks)
            return refused, search

    refused, search = asyncio.run(full_then_search())
    assert refused is not None and refused.status_code == 429
    assert search.status_code == 200 and "Kessel" in search.json()[0]["text"]


def cli(server: NewsqaServer, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(NEWSQA), *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NEWSQA_HOME": str(server.home), "NEWSQA_LLM": "test",
                               "NEWSQA_SERVER__URL": server.url, **env})


def test_the_cli_asks_the_running_server(server):
    asked_before = server.log().count('"POST /ask HTTP/1.1" 200')
    done = cli(server, "ask", STRIKE, "--llm", "none", "--json")
    assert done.returncode == 0, done.stderr
    assert "nine-day strike" in json.loads(done.stdout)["answer"]
    assert server.log().count('"POST /ask HTTP/1.1" 200') == asked_before + 1


def test_the_cli_streams_and_chats_through_the_server(server):
    streamed_before = server.log().count('"POST /ask/stream HTTP/1.1" 200')
    done = cli(server, "ask", STRIKE, "--stream")  # the small test model: its words, then the answer
    assert done.returncode == 0, done.stderr
    assert server.log().count('"POST /ask/stream HTTP/1.1" 200') == streamed_before + 1
    asked_before = server.log().count('"POST /ask HTTP/1.1" 200')
    talk = subprocess.run([str(NEWSQA), "chat", "--llm", "none"], capture_output=True, text=True, timeout=300,
                          input=f"{STRIKE}\nWhat did the union president say about it?\n/quit\n",
                          env={**os.environ, "NEWSQA_HOME": str(server.home), "NEWSQA_SERVER__URL": server.url})
    assert talk.returncode == 0, talk.stderr
    assert "nine-day strike" in talk.stdout and "Hanne Voss" in talk.stdout  # the follow-up kept its subject
    assert server.log().count('"POST /ask HTTP/1.1" 200') == asked_before + 2


def test_the_cli_answers_itself_when_the_server_serves_other_news_or_is_told_to(server, tmp_path):
    asked_before = server.log().count("POST /ask")
    other = cli(server, "ask", STRIKE, "--llm", "none", "--json", NEWSQA_HOME=str(tmp_path / "empty"))
    assert other.returncode != 0 and "is empty" in other.stderr  # its own (empty) index, not the server's
    local = cli(server, "ask", STRIKE, "--llm", "none", "--json", "--local")
    assert local.returncode == 0 and "nine-day strike" in json.loads(local.stdout)["answer"]
    nobody = cli(server, "ask", STRIKE, "--llm", "none", "--json", NEWSQA_SERVER__URL="http://127.0.0.1:9")
    assert nobody.returncode == 0 and "nine-day strike" in json.loads(nobody.stdout)["answer"]
    assert server.log().count("POST /ask") == asked_before


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    home = ingested_home(tmp_path_factory.mktemp("guarded"), str(SAMPLES))
    running = NewsqaServer(home, NEWSQA_LLM="none", NEWSQA_SERVER__TOKEN="s3cret-token",
                           NEWSQA_SERVER__MAX_BODY_BYTES="2000", NEWSQA_SERVER__CORS_ORIGINS='["http://app.example"]')
    yield running.wait_ready()
    running.stop()


def test_with_a_token_every_endpoint_wants_it(guarded):
    for method, path in [("GET", "/healthz"), ("GET", "/stats"), ("POST", "/ask"), ("POST", "/search"),
                         ("POST", "/check"), ("GET", "/v1/models"), ("POST", "/v1/chat/completions"),
                         ("POST", "/mcp")]:
        response = httpx.request(method, f"{guarded.url}{path}", json={})
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Bearer"
        wrong = httpx.request(method, f"{guarded.url}{path}", json={}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401, path
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{guarded.url}/v1", api_key="nope", max_retries=0).models.list()
    client = openai.OpenAI(base_url=f"{guarded.url}/v1", api_key="s3cret-token", max_retries=0)
    reply = client.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": STRIKE}])
    assert "nine-day strike" in reply.choices[0].message.content
    assert httpx.get(guarded.url).status_code == 200  # the page itself holds nothing; it asks for the token
    assert "s3cret-token" not in guarded.log()


def test_a_body_over_the_cap_is_413(guarded):
    headers = {"Authorization": "Bearer s3cret-token"}
    response = httpx.post(f"{guarded.url}/ask", json={"question": "x" * 5000}, headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "the request body is over 2,000 bytes"


def test_the_cli_brings_the_token(guarded):
    asked_before = guarded.log().count('"POST /ask HTTP/1.1" 200')
    done = subprocess.run([str(NEWSQA), "ask", STRIKE, "--json"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NEWSQA_HOME": str(guarded.home), "NEWSQA_LLM": "none",
                               "NEWSQA_SERVER__URL": guarded.url, "NEWSQA_SERVER__TOKEN": "s3cret-token"})
    assert done.returncode == 0, done.stderr
    assert guarded.log().count('"POST /ask HTTP/1.1" 200') == asked_before + 1


def preflight(url: str, origin: str) -> httpx.Response:
    return httpx.options(f"{url}/v1/chat/completions", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})


def test_cors_is_off_unless_origins_are_configured(server, guarded):
    assert "access-control-allow-origin" not in preflight(server.url, "http://app.example").headers
    allowed = preflight(guarded.url, "http://app.example")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://app.example"
    assert "access-control-allow-origin" not in preflight(guarded.url, "http://other.example").headers


def test_a_server_whose_model_cannot_load_says_why_and_answers_nothing(tmp_path):
    home = ingested_home(tmp_path, str(SAMPLES))
    broken = NewsqaServer(home, NEWSQA_LLM="nosuchprovider:x")
    try:
        deadline = time.monotonic() + 120
        health = {}
        while time.monotonic() < deadline and health.get("status") != "failed":
            try:
                response = httpx.get(f"{broken.url}/healthz", timeout=2)
                assert response.status_code == 503  # never ready
                health = response.json()
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.3)
        assert health["status"] == "failed"
        assert health["detail"].startswith("unknown LLM provider 'nosuchprovider'")
        refused = httpx.post(f"{broken.url}/ask", json={"question": STRIKE})
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert refused.json()["error"]["message"].startswith("not ready: ")
    finally:
        broken.stop()


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True),
                                            ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                            ("::", False), ("192.0.2.7", False), ("news.example", False)])
def test_loopback_is_told_from_every_other_address(host, loopback):
    assert is_loopback(host) is loopback


def test_serving_beyond_loopback_wants_a_token_or_insecure(tmp_path):
    env = {**os.environ, "NEWSQA_HOME": str(tmp_path / "home"), "NEWSQA_LLM": "none"}
    env.pop("NEWSQA_SERVER__TOKEN", None)
    refused = subprocess.run([str(NEWSQA), "serve", "--host", "0.0.0.0", "--port", str(free_port())], env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        "error: refusing to listen on 0.0.0.0 without server.token: anyone who can reach it could query the index "
        "and use its LLM; set NEWSQA_SERVER__TOKEN, or pass --insecure (server.insecure) to listen anyway")
    for extra_env, flags in (({"NEWSQA_SERVER__TOKEN": "s3cret"}, []), ({}, ["--insecure"])):
        port = free_port()
        process = subprocess.Popen([str(NEWSQA), "serve", "--host", "0.0.0.0", "--port", str(port), *flags],
                                   env={**env, **extra_env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert listening(port, process), f"newsqa serve {flags} {list(extra_env)} did not start"
        finally:
            process.terminate()
            process.wait(timeout=30)


def listening(port: int, process: subprocess.Popen, timeout: float = 120) -> bool:
    """Whether the server answers HTTP on loopback (any status: /healthz may say it is loading, or want the token)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return True
        except httpx.HTTPError:
            time.sleep(0.3)
    return False


def test_sigterm_finishes_the_running_answer_and_refuses_the_waiting_ones_with_503(tmp_path):
    """Stopped while answering (systemd's stop, a deploy): no request is dropped or fails; the one
    being written is answered, those waiting are told to come back."""
    home = ingested_home(tmp_path, str(SAMPLES))
    stopping = NewsqaServer(home, NEWSQA_LLM="test", NEWSQA_SERVER__WORKERS="1", NEWSQA_SERVER__QUEUE_SIZE="4")
    stopping.wait_ready()

    async def asked_then_stopped() -> list[httpx.Response | Exception]:
        async with httpx.AsyncClient(timeout=120) as http:
            asks = [asyncio.create_task(http.post(f"{stopping.url}/ask", json={"question": f"{STRIKE} ({n})"}))
                    for n in range(5)]
            await asyncio.sleep(1.5)
            stopping.process.terminate()
            return await asyncio.gather(*asks, return_exceptions=True)

    try:
        responses = asyncio.run(asked_then_stopped())
        assert all(isinstance(r, httpx.Response) for r in responses), responses
        codes = sorted(r.status_code for r in responses)
        assert set(codes) == {200, 503}, codes
        refused = [r for r in responses if r.status_code == 503]
        assert all(r.headers["Retry-After"] == "5" for r in refused)
        assert refused[0].json()["error"]["message"] == "the server is stopping; retry in 5 s"
        stopping.process.wait(timeout=30)
        assert "timeout graceful shutdown exceeded" not in stopping.log()
    finally:
        stopping.stop()
