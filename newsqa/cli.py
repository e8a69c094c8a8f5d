"""The `newsqa` command line: a face over the Python API (`from newsqa import …`) and the
evaluation harness; it holds no answering logic."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

import newsqa  # heavy names (the index, the answerer) through it, on first use: a fast start
from newsqa import Answer, AskRequest, Conversation, NewsqaError, Settings, load_settings, parse_date_option
from newsqa.remote import RemoteAnswerer, find_server

if TYPE_CHECKING:
    from newsqa import Answerer, CheckResult, IndexStats, IngestReport

app = typer.Typer(
    help="Ask questions about news articles and get answers cited to their sources.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HomeOption = Annotated[
    Optional[Path], typer.Option("--home", help="Data directory (default: NEWSQA_HOME or per-user).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
SourceOption = Annotated[
    Optional[list[str]], typer.Option("--source", help="Only this outlet (repeatable).")
]


def _print_version(value: bool) -> None:
    if value:
        out.print(f"newsqa {newsqa.__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Ask questions about news articles and get answers cited to their sources."""


def _settings(home: Path | None) -> Settings:
    return load_settings(home=home)


@app.command()
def ingest(
    targets: Annotated[list[str], typer.Argument(help="Files, directories, http(s) URLs or feeds.")],
    glob: Annotated[Optional[str], typer.Option(help="Only files matching this pattern in directories.")] = None,
    source: Annotated[Optional[str], typer.Option(help="Name the outlet of every article.")] = None,
    home: HomeOption = None,
) -> None:
    """Add articles to the index; unchanged articles are skipped, changed ones replaced."""
    settings = _settings(home)
    index = newsqa.NewsIndex(settings)
    with err.status("reading sources…"):
        items = list(newsqa.load(targets, settings.fetch, glob=glob, source=source))
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        SpinnerColumn(),
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("articles · {task.fields[chunks]} chunks · {task.fields[rate]} chunks/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )
    with progress:
        task = progress.add_task("ingest", total=None, chunks=0, rate="–")

        def on_progress(done: int, total: int, chunks: int) -> None:
            elapsed = progress.tasks[task].elapsed or 1e-9
            progress.update(task, completed=done, total=total, chunks=chunks, rate=f"{chunks / elapsed:.0f}")

        report = index.ingest(items, on_progress=on_progress)
    _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: IngestReport) -> None:
    out.print(report.summary(), highlight=False)
    for problem in report.warnings:
        err.print(f"[yellow]warning[/] {escape(str(problem))}")
    for problem in report.failed:
        err.print(f"[red]failed[/]  {escape(str(problem))}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[Optional[int], typer.Option("-k", help="How many passages.")] = None,
    source: SourceOption = None,
    since: Annotated[Optional[str], typer.Option(help="Published on or after this date.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Published on or before this date.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Search as on this date.")] = None,
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Show the passages the index ranks best for a query."""
    index = newsqa.NewsIndex(_settings(home))
    index.require_articles()
    filters = newsqa.Filters(sources=source or (), since=parse_date_option(since, "--since"),
                      until=parse_date_option(until, "--until"))
    hits = index.search(query, k=k, filters=filters, as_of=parse_date_option(as_of, "--as-of"))
    if as_json:
        keys = ("article_id", "chunk_id", "title", "source", "url", "published", "text", "start", "end", "score",
                "carried_by")
        print(json.dumps([{key: h.to_json()[key] for key in keys} for h in hits], indent=2, ensure_ascii=False))
        return
    if not hits:
        out.print("No passages match.")
    for n, hit in enumerate(hits, start=1):
        date = hit.published.date().isoformat() if hit.published else "undated"
        out.print(f"[bold]{n}. {escape(hit.title)}[/] — {escape(hit.source or 'unknown outlet')}, {date}  "
                  f"[dim]score {hit.score:.4f}[/]")
        if hit.url:
            out.print(f"   [link={hit.url}]{escape(hit.url)}[/link]", highlight=False)
        if hit.carried_by:
            also = ", ".join(c["source"] or c["url"] or "?" for c in hit.carried_by)
            out.print(f"   [dim]also carried by {escape(also)}[/]", highlight=False)
        out.print("   " + escape(" ".join(hit.text.split())[:400]), highlight=False)


@app.command()
def stats(as_json: JsonOption = False, home: HomeOption = None) -> None:
    """Articles, chunks, sources, date range, model, and where the store is."""
    data = newsqa.NewsIndex(_settings(home)).stats()
    if as_json:
        print(data.model_dump_json(indent=2))
        return
    out.print(_stats_table(data))


def _stats_table(data: IndexStats) -> Table:
    table = Table(show_header=False, box=None)
    first, last = data.published_first, data.published_last
    outlets = ", ".join(f"{s} ({n})" for s, n in list(data.sources.items())[:8])
    rows = [
        ("articles", f"{data.articles:,}"),
        ("chunks", f"{data.chunks:,} ({data.chunk_tokens:,} tokens)"),
        ("sources", f"{len(data.sources)}: {outlets}"),
        ("published", f"{first.date() if first else '–'} … {last.date() if last else '–'}"),
        ("embedding model", data.embedding_model),
        ("syndicated copies", f"{data.copies:,} (stored once, their outlets kept)"),
        ("store", f"{data.engine} {data.store_mode} · {data.store_location} · collection {data.collection}"),
        ("data directory", data.home),
    ]
    rows += [("feed", _feed_line(feed)) for feed in data.feeds]
    for name, value in rows:
        table.add_row(f"[bold]{name}[/]", escape(str(value)))
    return table


def _feed_line(feed) -> str:
    def when(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"

    line = (f"{feed.url} · last poll {when(feed.last_poll)} · last new entry {when(feed.last_new_entry)}"
            f" · {feed.articles_added:,} articles added")
    return line + feed.entry_troubles() + (f" · last error: {feed.last_error}" if feed.last_error else "")


@app.command()
def forget(
    article_id: Annotated[Optional[list[str]], typer.Option("--id", help="Article id (repeatable).")] = None,
    url: Annotated[Optional[list[str]], typer.Option(help="Article URL (repeatable).")] = None,
    source: SourceOption = None,
    since: Annotated[Optional[str], typer.Option(help="Published on or after this date.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Published on or before this date.")] = None,
    home: HomeOption = None,
) -> None:
    """Remove articles from Chroma, the lexical index and the manifest."""
    index = newsqa.NewsIndex(_settings(home))
    removed = index.forget(
        ids=article_id or (), urls=url or (), sources=source or (),
        since=parse_date_option(since, "--since"), until=parse_date_option(until, "--until"),
    )
    out.print(f"forgot {removed} article{'s' if removed != 1 else ''}")


@app.command()
def rebuild(home: HomeOption = None) -> None:
    """Rebuild the manifest and lexical index from Chroma (e.g. a second machine on one server)."""
    index = newsqa.NewsIndex(_settings(home))
    with err.status("reading Chroma…"):
        count = index.rebuild()
    out.print(f"rebuilt the manifest and lexical index: {count} articles")


@app.command()
def watch(
    feeds: Annotated[Optional[list[str]], typer.Argument(help="Feed URLs (default: watch.feeds).")] = None,
    every: Annotated[Optional[float], typer.Option(
        "--every", min=1, help="Seconds between polls of a feed (default: watch.every_s).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Poll every feed once now, then stop.")] = False,
    home: HomeOption = None,
) -> None:
    """Follow news feeds: poll each on a schedule and ingest its new entries, until stopped."""
    import signal
    import threading

    settings = _settings(home)
    chosen = [newsqa.FeedSetting(url=url) for url in feeds] if feeds else settings.watch.feeds
    if not chosen:
        raise NewsqaError("no feeds to follow: name them (newsqa watch URL…) or set watch.feeds")
    follower = newsqa.FeedFollower(newsqa.NewsIndex(settings), chosen, every_s=every)
    if once:
        reports = follower.poll(force=True)
        for report in reports:
            _print_poll(report)
        if any(r.error for r in reports):
            raise typer.Exit(1)
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    err.print(f"following {len(chosen)} feed{'s' if len(chosen) != 1 else ''} "
              f"every {follower.every_s:g} s; Ctrl-C stops")
    follower.run(stop, on_poll=_print_poll)


def _print_poll(report) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    colour = "red" if report.error else "yellow" if report.problems else "green"
    out.print(f"{stamp} [{colour}]{escape(report.summary())}[/]", highlight=False)
    for problem in report.unnamed_problems:
        err.print(f"[yellow]entry failed[/] {escape(str(problem))}")


# The full list is newsqa.llm_spec_help(); naming it here would load LangChain on every start.
LlmOption = Annotated[Optional[str], typer.Option(
    "--llm", help="LLM spec: local, test, none, openai:MODEL, ollama:MODEL, … (a wrong one lists them all).")]
LocalOption = Annotated[bool, typer.Option("--local", help="Answer in this process even when a server runs.")]


def _request(question: str, llm: str | None, k: int | None, source: list[str] | None,
             since: str | None, until: str | None, as_of: str | None,
             conversation: Conversation | None = None) -> AskRequest:
    fields = {"llm": llm, "k": k, "sources": source or [],
              "since": parse_date_option(since, "--since"), "until": parse_date_option(until, "--until")}
    if as_of:
        fields["as_of"] = parse_date_option(as_of, "--as-of")
    return (conversation or Conversation(turns=1)).request(question, **fields)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question.")],
    as_json: JsonOption = False,
    llm: LlmOption = None,
    k: Annotated[Optional[int], typer.Option("-k", help="Passages to search.")] = None,
    source: SourceOption = None,
    since: Annotated[Optional[str], typer.Option(help="Only articles published on or after this date.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Only articles published on or before this date.")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Answer as on this date (default: now).")] = None,
    stream: Annotated[bool, typer.Option("--stream", help="Print the model's tokens as they come.")] = False,
    local: LocalOption = False,
    home: HomeOption = None,
) -> None:
    """Answer a question from the indexed articles, citing them (through a running `newsqa serve`
    when one serves this data directory)."""
    answerer = _answerer(_settings(home), llm, local)
    request = _request(question, llm, k, source, since, until, as_of)
    if stream and not as_json:
        answer = _streamed(answerer, request)
    else:
        answer = answerer.invoke(request)
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        render_answer(answer)


def _answerer(settings: Settings, llm: str | None, local: bool) -> Answerer | RemoteAnswerer:
    """The running server's (warm: no model loading) unless told otherwise or none answers."""
    remote = None if local else find_server(settings, llm)
    return remote or newsqa.Answerer(settings)


def _streamed(answerer: Answerer | RemoteAnswerer, request: AskRequest) -> Answer:
    """The model's words dimmed on stderr as they come (Answerer.stream's snapshots), then the
    checked answer."""
    shown = ""
    for answer in answerer.stream(request):
        if answer.partial and answer.draft.startswith(shown):
            err.print(answer.draft[len(shown):], end="", style="dim", highlight=False)
            shown = answer.draft
    if shown:
        err.print()
    return answer


def render_answer(answer: Answer) -> None:
    """The answer first, then its numbered sources with the supporting quotes."""
    out.print(escape(answer.answer), highlight=False)
    if answer.note:
        out.print(f"[yellow]note:[/] {escape(answer.note)}", highlight=False)
    _print_window(answer)
    if answer.abstained and not answer.citations:
        out.print(f"[dim]searched for: {escape(answer.standalone_question)}[/]", highlight=False)
    for c in answer.citations:
        date = c.published.date().isoformat() if c.published else "undated"
        out.print(f"[bold][{c.n}][/] {escape(c.title)} — {escape(c.source or 'unknown outlet')}, {date}"
                  + c.summary_note() + (f"  {escape(c.url)}" if c.url else ""), highlight=False)
        out.print(f"    “{escape(c.quote)}”", highlight=False)
    if answer.citations and answer.newest_evidence:
        out.print(f"[dim]newest source read: {answer.newest_evidence.date().isoformat()}[/]", highlight=False)


def _print_window(answer: Answer) -> None:
    """Which news the question's own time ("this week") limited the search to."""
    line = answer.time_window.searched() if answer.time_window else None
    if line:
        out.print(f"[dim]{escape(line)}[/]", highlight=False)


@app.command()
def chat(
    llm: LlmOption = None,
    source: SourceOption = None,
    local: LocalOption = False,
    home: HomeOption = None,
) -> None:
    """Ask questions in a conversation; follow-ups use what was asked before.

    Commands: /sources (sources of the last answer), /reset (forget the conversation), /help, /quit.
    """
    settings = _settings(home)
    answerer = _answerer(settings, llm, local)
    conversation = Conversation(settings.answer.history_turns)
    last = None
    out.print("Ask a question (/help for commands).")
    while True:
        try:
            line = input("> ").strip()
        except EOFError:
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/help":
            out.print("/sources  the sources of the last answer\n/reset    start a new conversation\n/quit     leave")
            continue
        if line == "/reset":
            conversation.reset()
            last = None
            out.print("Conversation reset.")
            continue
        if line == "/sources":
            if last is None or not last.citations:
                out.print("No sources yet.")
            for c in (last.citations if last else []):
                outlet = escape(c.source or "unknown outlet")
                out.print(f"[{c.n}] {escape(c.title)} — {outlet} {escape(c.url or '')}\n    “{escape(c.quote)}”",
                          highlight=False)
            continue
        try:
            last = answerer.invoke(_request(line, llm, None, source, None, None, None, conversation))
        except NewsqaError as exc:
            err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
            continue
        out.print(escape(last.answer), highlight=False)
        if last.note:
            out.print(f"[yellow]note:[/] {escape(last.note)}", highlight=False)
        _print_window(last)
        conversation.add(last)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(
        help="JSON lines: {id, question?, answer with [n], sources: [{n, text}]}; - for stdin.")],
    as_json: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Hold any cited answer to its sources: each sentence kept only if a source it cites states it."""
    if str(file) != "-" and not file.is_file():
        raise NewsqaError(f"{file} is not a file")
    checker = newsqa.AnswerChecker(_settings(home))
    failed = 0
    with (sys.stdin if str(file) == "-" else file.open(encoding="utf-8", errors="replace")) as lines:
        for result in checker.check_lines(lines):
            if isinstance(result, NewsqaError):
                err.print(f"[red]error:[/] {escape(str(result))}", highlight=False)
                failed += 1
            elif as_json:
                print(result.model_dump_json())
            else:
                _print_checked(result)
    if failed:
        raise typer.Exit(1)


def _print_checked(result: CheckResult) -> None:
    out.print(f"[bold]{escape(result.id)}[/]", highlight=False)
    for sentence in result.sentences:
        mark = "[green]kept[/]   " if sentence.supported else "[red]refused[/]"
        out.print(f"  {mark} {escape(sentence.text)}\n          {escape(sentence.reason)}", highlight=False)
    out.print(f"  answer: {escape(result.answer)}", highlight=False)


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default: server.host, loopback).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default: server.port, 8765).")] = None,
    insecure: Annotated[bool, typer.Option(
        "--insecure", help="Listen beyond loopback without server.token (anyone who reaches it may use it).")] = False,
    home: HomeOption = None,
) -> None:
    """Serve answers from one warm process: the native and OpenAI-compatible APIs, MCP at /mcp and a
    web page at /. Beyond loopback it wants server.token, unless --insecure."""

    from newsqa.server import serve as run_server

    _service_logging()
    settings = _settings(home)
    if insecure:
        settings.server.insecure = True
    run_server(settings, host or settings.server.host, port or settings.server.port)


def _service_logging() -> None:
    """A long-running service logs its own lines at INFO; the libraries' chatter (a line for every
    request to a Chroma server, every lexical index build) only when it is a warning."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("httpx", "bm25s", "sentence_transformers"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


@app.command("mcp")
def mcp_stdio(home: HomeOption = None) -> None:
    """Serve the MCP tools (search, ask, stats) over stdio, for desktop assistants."""
    import logging

    from newsqa.server.stdio import run_stdio

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)  # stdout carries the protocol
    run_stdio(_settings(home))


@app.command("discord")
def discord_bot(home: HomeOption = None) -> None:
    """Run the Discord bot (token from DISCORD_TOKEN; see docs/guides/discord.md for set-up and intents)."""
    import logging

    from newsqa.bot.discord.client import run

    _service_logging()
    logging.getLogger("discord").setLevel(logging.WARNING)
    run(_settings(home))


@app.command()
def doctor(
    llm: Annotated[Optional[str], typer.Option("--llm", help="LLM spec to try (default: the configured one).")] = None,
    no_generate: Annotated[bool, typer.Option("--no-generate", help="Skip asking the LLM for a few tokens.")] = False,
    discord: Annotated[bool, typer.Option("--discord", help="Require a Discord token.")] = False,
    home: HomeOption = None,
) -> None:
    """Check that this machine can answer: versions, models, llama.cpp, the store, the data directory."""
    failed = 0
    for check in newsqa.diagnose(load_settings(home=home, llm=llm), generate=not no_generate, discord=discord):
        style = {True: "green", False: "red", None: "dim"}[check.ok]
        out.print(f"[{style}]{escape(check.line())}[/]", highlight=False)
        failed += check.ok is False
    if failed:
        err.print(f"{failed} check{'s' if failed > 1 else ''} failed", highlight=False)
        raise typer.Exit(1)


class _RunByDefault(TyperGroup):
    """`newsqa eval QUESTIONS …` runs an evaluation; `newsqa eval compare A B` compares two runs."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(cls=_RunByDefault, no_args_is_help=True, add_completion=False,
                       help="Evaluate answers on a question set (newsqa eval QUESTIONS) or compare two runs.")
app.add_typer(eval_app, name="eval")


@eval_app.command("run")
def eval_run(
    questions: Annotated[Path, typer.Argument(
        help="A questions .jsonl file, or a folder of RealTime QA weekly files.")],
    corpus: Annotated[Optional[list[str]], typer.Option(
        "--corpus", help="Articles to index (repeatable); default: the questions' folder.")] = None,
    llm: LlmOption = None,
    pipeline: Annotated[str, typer.Option(help="newsqa, langchain-baseline or langchain-baseline-as-of.")] = "newsqa",
    retrieval_only: Annotated[bool, typer.Option("--retrieval-only", help="Skip the LLM; score the evidence.")] = False,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N questions.")] = None,
    run_dir: Annotated[Optional[Path], typer.Option(
        "--out", help="Run folder (default: eval-runs/SET-PIPELINE-LLM).")] = None,
    first_week: Annotated[Optional[str], typer.Option("--from", help="RealTime QA: first week (date).")] = None,
    last_week: Annotated[Optional[str], typer.Option("--to", help="RealTime QA: last week (date).")] = None,
    nota: Annotated[bool, typer.Option("--nota", help="RealTime QA: the none-of-the-above variant.")] = False,
    as_of: Annotated[Optional[str], typer.Option(
        "--as-of", help="Ask questions without their own date as on this date (default: now).")] = None,
    judge: Annotated[str, typer.Option(help="Citation judge: overlap (offline) or llm:SPEC.")] = "overlap",
    fresh: Annotated[bool, typer.Option("--fresh", help="Start the run over instead of resuming it.")] = False,
    require: Annotated[Optional[list[str]], typer.Option(
        "--require", help="Fail (exit 1) unless e.g. 'containment>=0.8' holds (repeatable).")] = None,
    home: HomeOption = None,
) -> None:
    """Run every question through `ask` (or the baseline) and write results and reports."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from newsqa.evals.dataset import load_eval_set
    from newsqa.evals.report import check_requirements, overall_table, parse_requirement, write_reports
    from newsqa.evals.runner import RunConfig, run

    requirements = [parse_requirement(r) for r in require or []]
    settings = _settings(home)
    eval_set = load_eval_set(questions, corpus, first_week, last_week, nota)
    config = RunConfig(pipeline=pipeline, llm=llm or settings.llm, judge=judge,
                       retrieval_only=retrieval_only, limit=limit, as_of=parse_date_option(as_of, "--as-of"))
    llm_name = "none" if retrieval_only else config.llm
    run_name = f"{eval_set.name}-{pipeline}-{llm_name.replace(':', '_').replace('/', '_')}"
    run_dir = run_dir or Path("eval-runs") / run_name
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err, transient=True)
    with progress:
        task = progress.add_task(f"{eval_set.name} · {pipeline} · {llm_name}", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        rows = run(eval_set, config, settings, run_dir, settings.home / "eval-indexes", fresh, on_progress)
    summary = write_reports(run_dir, rows, config.describe(eval_set, settings))
    title = f"{eval_set.name} · {pipeline} · {llm_name} · {summary['n']} questions"
    table = Table("metric", "value [95% interval]", title=title)
    for row in overall_table(summary):
        table.add_row(*(escape(c) for c in row[:2]))
    out.print(table)
    out.print(f"results.jsonl, summary.json, summary.md and report.html in {run_dir}", highlight=False)
    failures = check_requirements(summary, requirements)
    for failure in failures:
        err.print(f"[red]regression:[/] {escape(failure)}", highlight=False)
    if failures:
        raise typer.Exit(1)


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[Path, typer.Argument(help="The first run folder (A).")],
    run_b: Annotated[Path, typer.Argument(help="The second run folder (B).")],
    as_json: JsonOption = False,
) -> None:
    """Deltas (B − A) with 95% paired bootstrap intervals, and the questions that flipped.

    A and B are each run's mean; the delta is over the questions both have the figure for."""
    from newsqa.evals.report import compare

    for folder in (run_a, run_b):
        if not (folder / "results.jsonl").is_file():
            raise NewsqaError(f"{folder} is not a run folder (no results.jsonl)")
    result = compare(run_a, run_b)
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    def figure(value: float | None, sign: str = "") -> str:
        return "–" if value is None else f"{value:{sign}.3f}"

    table = Table("metric", "A", "B", "B − A (paired)", "95% interval", "questions paired")
    for metric, d in result["deltas"].items():
        interval = f"[{d['interval'][0]:+.3f}, {d['interval'][1]:+.3f}]" if d["interval"] else "–"
        table.add_row(metric, figure(d["a"]), figure(d["b"]), figure(d["delta"], "+"), interval, str(d["paired"]))
    out.print(table)
    out.print(f"{len(result['flipped'])} questions flipped", highlight=False)
    for q in result["flipped"]:
        out.print(f"  {escape(q['id'])} {q['metric']} {q['a']:.0f} → {q['b']:.0f}: {escape(q['question'])}",
                  highlight=False)


feedback_app = typer.Typer(no_args_is_help=True, add_completion=False,
                           help="Readers' votes on answers (Discord's buttons, the page's thumbs, POST /feedback).")
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    folder: Annotated[Path, typer.Option(
        "--out", help="Folder for questions.jsonl and training.jsonl.")] = Path("votes"),
    home: HomeOption = None,
) -> None:
    """Write the votes as an evaluation set (questions.jsonl, for `newsqa eval run`) and as training
    examples (training.jsonl, for `newsqa train --votes`)."""
    store = _settings(home).feedback_store()
    try:
        done = newsqa.export_votes(store.voted_answers(), folder)
    finally:
        store.close()
    out.print(f"{done.questions} questions → {folder / 'questions.jsonl'}; {done.examples} training examples → "
              f"{folder / 'training.jsonl'}; {done.skipped} voted answers skipped (a down vote without a "
              "correction, or votes that cancel out)", highlight=False)


DEV_WEEKS = ["2025-01-03:2025-02-21", "2025-03-07:2025-04-25"]
VALIDATION_WEEKS = ["2025-02-14", "2025-02-21", "2025-04-18", "2025-04-25"]


@app.command()
def train(
    questions: Annotated[Optional[Path], typer.Argument(
        help="Labelled questions: a folder of RealTime QA weekly files, or a questions .jsonl file.")] = None,
    weeks: Annotated[Optional[list[str]], typer.Option(
        "--weeks", help="RealTime QA: FIRST:LAST weeks to train on (repeatable; default: the dev weeks).")] = None,
    validation: Annotated[Optional[list[str]], typer.Option(
        "--validation-week", help="RealTime QA: a week held out for early stopping and the figures "
        "(repeatable; default: the last two of each dev part).")] = None,
    corpus: Annotated[Optional[list[str]], typer.Option(
        "--corpus", help="A .jsonl file's articles to index (repeatable); default: its folder.")] = None,
    held_out: Annotated[Optional[list[str]], typer.Option(
        "--held-out", help="RealTime QA: FIRST:LAST weeks only measured, never trained on (repeatable).")] = None,
    votes: Annotated[Optional[list[Path]], typer.Option(
        "--votes", help="Readers' votes as training examples (training.jsonl of `newsqa feedback export`; "
        "repeatable), searched in this data directory's index.")] = None,
    model: Annotated[Optional[Path], typer.Option(
        "--out", help="Where the model goes (default: HOME/ranker/ranker.txt); its card goes beside it.")] = None,
    home: HomeOption = None,
) -> None:
    """Train the learned ranker on labelled questions and readers' votes; print its figures on
    training and validation.

    The evaluation's indexes are built first where missing (as `newsqa eval run` builds them)."""
    from newsqa.evals.dataset import is_realtimeqa_dir, load_eval_set
    from newsqa.evals.ranker_training import run_training, voted_pools

    settings = _settings(home)
    if questions is None and not votes:
        raise NewsqaError("give labelled questions, readers' votes (--votes), or both")
    for path in votes or []:
        if not path.is_file():
            raise NewsqaError(f"{path} does not exist (write it with: newsqa feedback export)")
    if questions is None:
        sets, validation_weeks = [], set()
    elif is_realtimeqa_dir(questions):
        sets = [load_eval_set(questions, corpus, *_week_range(w)) for w in weeks or DEV_WEEKS]
        validation_weeks = set(VALIDATION_WEEKS if validation is None else validation)
    else:
        if weeks or validation or held_out:
            raise NewsqaError("--weeks, --validation-week and --held-out apply to a folder of RealTime QA weekly files")
        sets, validation_weeks = [load_eval_set(questions, corpus)], set()
    model = model or settings.home / "ranker" / "ranker.txt"
    command = " ".join(["newsqa train", *sys.argv[2:]])
    def progress(line: str) -> None:
        err.print(line, highlight=False)

    voted = [p for path in votes or [] for p in voted_pools(path, settings, progress)]
    checks = [load_eval_set(questions, corpus, *_week_range(w)) for w in held_out or []] if questions else []
    done = run_training(sets, settings, settings.home / "eval-indexes", model, validation_weeks, command, voted,
                        progress, checks)
    table = Table("questions", "count", "fused: first 8, text / gold", "ranker: first 8, text / gold",
                  title=f"The learned ranker, trained in {done.seconds:.0f} s")
    for row in done.rows:
        table.add_row(*row)
    out.print(table)
    out.print(f"model: {done.model}; card: {done.card}. Use it with search.ranker = \"{done.model}\" "
              "(NEWSQA_SEARCH__RANKER).", highlight=False)


def _week_range(text: str) -> tuple[str, str]:
    first, sep, last = text.partition(":")
    if not sep or not first or not last:
        raise NewsqaError(f"--weeks {text!r}: give FIRST:LAST, e.g. 2025-01-03:2025-02-21")
    return first, last


def main() -> None:
    """Entry point: user errors print one line and exit non-zero, without a traceback."""
    try:
        app()
    except NewsqaError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(2)
