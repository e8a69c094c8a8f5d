"""`newsqa serve`: one warm process answering over a native API, an OpenAI-compatible API, MCP
(streamable HTTP at /mcp) and a web page at /. Every endpoint goes through one NewsService."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from mcp.server.transport_security import TransportSecuritySettings
from starlette.middleware.cors import CORSMiddleware

from newsqa import (
    Answer,
    AskRequest,
    CheckRequest,
    CheckResult,
    IndexStats,
    NewsqaError,
    Settings,
    StoreUnavailable,
    __version__,
    one_line,
)
from newsqa.server.guard import Guard, is_loopback
from newsqa.server.mcp_tools import build_mcp
from newsqa.server.openai_compat import ChatRequest, ModelList, completion, completion_chunks, model_list
from newsqa.server.service import (
    Busy,
    FeedbackRequest,
    NewsService,
    NotReady,
    SearchesBusy,
    SearchRequest,
    ServedAnswer,
    ShuttingDown,
)

log = logging.getLogger("newsqa.server")
STATIC = files("newsqa.server") / "static"
_END = object()
STOPPING = "the server is stopping"
RESTART_S = 5  # what a request refused while the server stops is told to wait


def create_app(settings: Settings, service: NewsService | None = None) -> FastAPI:
    """The ASGI app; its lifespan loads the models in the background and runs the MCP sessions."""
    service = service or NewsService(settings)
    mcp = build_mcp(service)
    mcp_app = mcp.streamable_http_app(streamable_http_path="/mcp", transport_security=_mcp_security(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service.start_loading()
        async with mcp.session_manager.run():
            yield
        service.stop()

    app = FastAPIOffline(title="newsqa", version=__version__, lifespan=lifespan,
                         description="Answers about news articles, every sentence cited to an article that states it.")
    app.state.service = service
    _errors(app, service)
    _native(app, service)
    _openai(app, service)
    app.router.routes.extend(mcp_app.routes)  # POST/GET/DELETE /mcp
    _page(app)
    token = settings.server.token.get_secret_value() if settings.server.token else None
    app.add_middleware(Guard, token=token, max_body=settings.server.max_body_bytes)
    if settings.server.cors_origins:  # outermost: a preflight carries no token
        app.add_middleware(CORSMiddleware, allow_origins=settings.server.cors_origins,
                           allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"])
    return app


# --- errors: one line, never a traceback --------------------------------------------------------
def _errors(app: FastAPI, service: NewsService) -> None:
    def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"error": {"message": message, "code": status}}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error(400, _validation_line(exc))

    @app.exception_handler(Busy)
    async def busy(_: Request, __: Busy) -> JSONResponse:
        wait = service.retry_after()
        return error(429, f"busy: every worker and the waiting line are full; retry in {wait} s",
                     {"Retry-After": str(wait)})

    @app.exception_handler(SearchesBusy)
    async def searches_busy(_: Request, __: SearchesBusy) -> JSONResponse:
        return error(429, "busy: every search worker and the searches' waiting line are full; retry in 1 s",
                     {"Retry-After": "1"})

    @app.exception_handler(ShuttingDown)
    async def stopping(_: Request, __: ShuttingDown) -> JSONResponse:
        return error(503, f"{STOPPING}; retry in {RESTART_S} s", {"Retry-After": str(RESTART_S)})

    @app.exception_handler(NotReady)
    async def not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return error(503, f"not ready: {exc}", {"Retry-After": "5"})

    @app.exception_handler(StoreUnavailable)
    async def store_down(_: Request, exc: StoreUnavailable) -> JSONResponse:
        # A Chroma server restarting is back in seconds: a client that waits is answered then.
        return error(503, str(exc), {"Retry-After": str(RESTART_S)})

    @app.exception_handler(NewsqaError)
    async def user_error(_: Request, exc: NewsqaError) -> JSONResponse:
        return error(400, str(exc))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex[:8]
        log.exception("error %s", error_id, exc_info=exc)
        return error(500, f"internal error (id {error_id}; the server's log has the details)")


def _validation_line(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    message = str(first.get("msg", "unreadable body")).removeprefix("Value error, ")
    return f"invalid request: {where + ': ' if where else ''}{message}"


# --- the native API -----------------------------------------------------------------------------
def _native(app: FastAPI, service: NewsService) -> None:
    @app.get("/healthz", tags=["native"])
    async def healthz() -> JSONResponse:
        """"ready" (200) once the index and the models are loaded; "loading" or "failed" (503)."""
        health = service.health()
        return JSONResponse(health.model_dump(), status_code=200 if health.status == "ready" else 503)

    @app.post("/ask", tags=["native"], response_model=ServedAnswer)
    async def ask(request: AskRequest, http: Request) -> ServedAnswer:
        """A question (with conversation, as_of and filters) in; the checked, cited Answer out, with
        the `answer_id` a vote names."""
        return await service.run(service.ask, service.prepare(request), _client(http))

    @app.post("/ask/stream", tags=["native"])
    async def ask_stream(request: AskRequest, http: Request) -> StreamingResponse:
        """Server-sent events: `draft` (the model's words so far) while it writes, then `answer` (the
        checked Answer with its `answer_id`), or `error`."""
        answers = _stream(service, service.prepare(request), _client(http))
        return StreamingResponse(_answer_events(answers), media_type="text/event-stream")

    @app.post("/feedback", tags=["native"])
    async def feedback(request: FeedbackRequest, http: Request) -> JSONResponse:
        """A reader's 👍 / 👎 on an answer (by its `answer_id`), with an optional correction; one vote
        per voter and answer (a second replaces the first). Votes train the ranker (`newsqa train`)."""
        if not await asyncio.to_thread(service.vote, request, _client(http)):
            return JSONResponse({"error": {"message": f"no answer {request.answer_id} on record", "code": 404}},
                                status_code=404)
        return JSONResponse({"recorded": True})

    @app.post("/search", tags=["native"])
    async def search(request: SearchRequest) -> list[dict[str, Any]]:
        """The passages `newsqa search --json` prints: best first, no LLM."""
        return await service.look_up(service.search, request)

    @app.post("/check", tags=["native"], response_model=CheckResult)
    async def check(request: CheckRequest) -> CheckResult:
        """`newsqa check` for one answer: each sentence kept only if a source it cites states it."""
        return await service.run(service.check, request)

    @app.get("/stats", tags=["native"], response_model=IndexStats)
    async def stats() -> IndexStats:
        """Articles, chunks, outlets, dates, the embedding model and where the store is."""
        return await asyncio.to_thread(service.stats)


def _client(http: Request) -> str:
    """Who is asking or voting, as far as the server can tell: the client's address."""
    return http.client.host if http.client else ""


def _stream(service: NewsService, request: AskRequest, asker: str = "") -> AsyncIterator[Answer]:
    """Answerer.stream in a worker thread, its snapshots handed to the event loop; Busy at once when
    the line is full (before any response has started)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def produce() -> None:
        try:
            for answer in service.stream(request, asker):
                loop.call_soon_threadsafe(queue.put_nowait, answer)
        except Exception as exc:
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, _END)

    def refused(future: asyncio.Future) -> None:  # drained while it waited: produce never runs
        if not future.cancelled() and isinstance(future.exception(), ShuttingDown):
            queue.put_nowait(future.exception())
            queue.put_nowait(_END)

    service.work.submit(produce).add_done_callback(refused)

    async def snapshots() -> AsyncIterator[Answer]:
        while (item := await queue.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield item

    return snapshots()


async def _answer_events(answers: AsyncIterator[Answer]) -> AsyncIterator[str]:
    try:
        async for answer in answers:
            if answer.partial:
                yield _sse("draft", {"draft": answer.draft})
            else:
                yield _sse("answer", answer.model_dump(mode="json"))
    except Exception as exc:
        log.warning("stream failed: %s", exc)
        message = (one_line(exc) if isinstance(exc, NewsqaError) else STOPPING if isinstance(exc, ShuttingDown)
                   else "internal error")
        yield _sse("error", {"message": message})


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


# --- OpenAI-compatible --------------------------------------------------------------------------
def _openai(app: FastAPI, service: NewsService) -> None:
    @app.get("/v1/models", tags=["openai"], response_model=ModelList)
    async def models() -> ModelList:
        """One model per answering profile (`server.models`)."""
        return model_list(service.models())

    @app.post("/v1/chat/completions", tags=["openai"])
    async def chat_completions(body: ChatRequest, http: Request) -> Any:
        """The last user message is the question, earlier turns the conversation; `stream` gives
        OpenAI's chunks. Extra fields: as_of, source (or sources), since, until."""
        request = service.prepare(body.ask_request(service.settings.answer.history_turns))
        if body.stream:
            chunks = completion_chunks(_stream(service, request, _client(http)), body.model)
            return StreamingResponse(chunks, media_type="text/event-stream")
        answer = await service.run(service.ask, request, _client(http))
        return completion(answer, body.model)


# --- the page -----------------------------------------------------------------------------------
def _page(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"))


def _mcp_security(settings: Settings) -> TransportSecuritySettings:
    """DNS-rebinding protection for /mcp on loopback (the SDK's rule); off when bound elsewhere."""
    host = settings.server.host
    if host in ("127.0.0.1", "localhost", "::1"):
        return TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
        )
    return TransportSecuritySettings(enable_dns_rebinding_protection=False)


class DrainingServer(uvicorn.Server):
    """uvicorn, stopping as a service should: on SIGTERM or Ctrl-C the answers waiting for a worker are
    refused at once (503 with Retry-After: the client comes back after the restart), the running ones
    finish (up to `server.stop_grace_s`), then uvicorn stops."""

    def __init__(self, config: uvicorn.Config, service: NewsService) -> None:
        super().__init__(config)
        self.service = service

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.service.drain()
        super().handle_exit(sig, frame)


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the server until interrupted (uvicorn; its access log shows no headers, so no token)."""
    if not is_loopback(host) and not settings.server.token and not settings.server.insecure:
        raise NewsqaError(f"refusing to listen on {host} without server.token: anyone who can reach it could "
                          "query the index and use its LLM; set NEWSQA_SERVER__TOKEN, or pass --insecure "
                          "(server.insecure) to listen anyway")
    settings = settings.model_copy(update={"server": settings.server.model_copy(update={"host": host, "port": port})})
    app = create_app(settings)
    config = uvicorn.Config(app, host=host, port=port, log_level="info",
                            timeout_graceful_shutdown=settings.server.stop_grace_s)
    DrainingServer(config, app.state.service).run()
