"""The one configuration object: defaults < config file < NEWSQA_* environment < command-line flags.

The config file is TOML: `$NEWSQA_CONFIG` if set, else `config.toml` in the data directory
(`$NEWSQA_HOME`, or the per-user default). Nested groups use sections in the file
(`[chroma]`, `[search]`, `[fetch]`) and a double underscore in the environment
(`NEWSQA_CHROMA__MODE=server`). Every setting is documented once, by the docstring under it, from
which the documentation site's settings reference is generated (docs/gen_pages.py).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from newsqa.errors import NewsqaError
from newsqa.index.settings import IndexSettings, default_home


class ProviderSettings(BaseModel):
    """Where the served providers are, and how long to wait for them."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    timeout_s: float = 120.0
    """Seconds to wait for a served LLM."""
    max_retries: int = 1
    """Retries of a served LLM's request."""
    openai_base_url: str | None = None
    """The OpenAI-compatible server (`openai:MODEL`)."""
    openai_api_key: str | None = None
    """Its API key."""
    ollama_base_url: str = "http://localhost:11434"
    """The Ollama server (`ollama:MODEL`)."""
    anthropic_api_key: str | None = None
    """Anthropic's API key (else `ANTHROPIC_API_KEY`)."""
    local_threads: int | None = None
    """llama.cpp threads (unset: all cores)."""
    local_context: int = 2048
    """llama.cpp context, in tokens."""
    # Which llama.cpp build runs the in-process models (bot/cpu_kernels.py): "auto" = the fastest
    # one installed that this CPU can run; "portable" = the AVX2 build that runs everywhere.
    local_kernels: Literal["auto", "portable", "avx512"] = "auto"
    """llama.cpp build for the in-process models: `auto` (the AVX-512 build where the setup installed it and the
    CPU runs it), `portable`, `avx512`."""


class CheckSettings(BaseModel):
    """The citation check's settings (`[check]` in the config file), calibrated by
    bench/studies/calibrate.py on hand labels and replayed RealTime QA answers: every hand-supported claim
    kept, fewest unsupported ones."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    min_overlap: float = 0.5
    """Share of a claim's content words its cited source must hold."""
    min_overlap_with_similarity: float = 0.3
    """The same, when the claim's embedding similarity to one of the source's sentences reaches `min_similarity`."""
    min_similarity: float = 0.6
    """Embedding similarity that lowers the overlap needed to `min_overlap_with_similarity`."""
    # Share of the claim's own words (those the question does not hold: the answer it gives) that
    # the source must hold; the question's words match any retrieved source and prove nothing.
    min_answer_overlap: float = 0.5
    """Share of the words a claim adds to the question (its answer) that the source must hold."""
    # Also ask the LLM whether each cited source supports its sentence (one short call per
    # sentence); catches wrong claims that share the source's words.
    llm_confirm: bool = False
    """Also ask the LLM whether each cited source supports its sentence (one short call a sentence)."""
    # Hold each claim to the source sentence it rests on (bot/claims.py): magnitudes, dates,
    # polarity, figures and names in their places. Off: the word check alone, as before.
    strict: bool = True
    """Hold each claim to its source sentence: magnitudes, dates, polarity, figures and names in their places
    (`false`: the word check alone)."""
    # Where the words a claim adds to the question must be: anywhere in the cited "source", or in
    # the "sentence" it rests on (with the headline).
    answer_words_in: Literal["source", "sentence"] = "source"
    """Where the words a claim adds to the question must be: anywhere in the cited `source`, or in the `sentence`
    it rests on."""
    # Share of the claim's content words the one source sentence it rests on must hold (the
    # other limits count the words anywhere in the article's evidence): below it, the sentence
    # gives the answer's name but not what the claim says of it. Chosen on the dev weeks' replayed
    # drafts (bench/studies/check_replay.py; docs: the check's history). 0: off.
    min_sentence_overlap: float = 0.4
    """Share of a claim's content words the one source sentence it rests on must hold; 0 turns the rule off."""
    # A claim echoes the question around its answer ("The incident took place in Boulder" for
    # "Where did the incident take place?"), and the sentence that answers seldom restates the
    # question: the claim's words the question holds count as held in the two word-share rules
    # above, where the sentence the claim rests on (with its headline) states the answer's own
    # words (that sentence must still bear on the question). Replayed on the dev weeks' drafts
    # (bench/studies/check_replay.py, table check_replay_echo): 5 more right answers and 3 more
    # wrong of 300 questions, answered precision 0.76 / 0.71 → 0.74 / 0.71, F1 up on both parts.
    question_words_held: bool = True
    """Count a claim's words that the question holds as held by the source in `min_overlap` and
    `min_sentence_overlap`, where its sentence states the answer's own words."""
    # A source published before the time the question names ("this week", "in June") supports none
    # of its claims: this week's summit is not placed by an article from five years before.
    source_in_window: bool = False
    """A source published before the time the question names supports nothing; off, an answer resting only on such
    sources gets a note saying so."""
    # A question about something new ("the new fee", "has become", "this week", "recently") is
    # answered only from sources published at most this many days before as_of: older ones
    # support none of its claims (an earlier event of the same kind). 0: off. Chosen on the dev
    # weeks' replayed drafts (bench/studies/check_replay.py; docs: the check's history).
    recent_news_days: int = 730
    """A question about something new is answered only from sources at most this many days older than as_of, unless
    it names an earlier time; 0 turns the rule off."""
    # The sentence a claim rests on must bear on the question (cosine similarity plus 0.3 x the
    # share of the question's content words, as evidence is scored; the sentence alone, under its
    # headline or after the evidence line just before it in its article): below this, the answer
    # rests on a sentence about something else (last year's summit for this week's). 0: off.
    # Chosen on the dev weeks' replayed drafts (bench/studies/check_replay.py; docs: Numbers).
    min_bearing: float = 0.65
    """How much the sentence a claim rests on must bear on the question (similarity plus 0.3 × the share of the
    question's content words it holds); 0 turns the rule off."""
    # A claim its cited article does not support is cited to another article of the evidence that
    # does, under the same rules (flagged "recited"), instead of being removed: the local model
    # often cites the right claim to the wrong line. Chosen on the dev weeks' replayed drafts.
    recite: bool = True
    """A claim its cited article does not support is cited to another article of the evidence that states it (flag
    `recited`), instead of being removed."""
    # A figure the question states ("at a reported price of $8 billion", "the 97th Academy
    # Awards", "killing at least 42 people") must be in the cited article's evidence or its
    # retrieved passages: it is the question's premise, and an article without it reports another
    # event. Years, vague plurals ("thousands of") and numbers in names ("G7") are no such figure.
    # Chosen on the dev weeks' replayed drafts (bench/studies/check_replay.py; docs: the check's history).
    question_figures: bool = True
    """Every figure the question states (not its years, not "thousands of", not the 7 of "G7") must be in the cited
    article's evidence or retrieved passages."""
    # When the index holds news of the last `lone_source_days` before as_of, an answer all of
    # whose cited articles are older, and whose short answer no other article the search found
    # states, is refused: a lone old article found for a question about the news reports an
    # earlier event (a summit five years before this week's). Off for a question about an earlier
    # time ("in 2019") and for an index without recent news (an archive). 0: off. Chosen on the dev
    # weeks' replayed drafts (bench/studies/check_replay.py; docs: the check's history).
    lone_source_days: int = 30
    """While the index holds news of the last this many days before as_of, an answer all of whose cited articles
    are older is refused unless another article the search found states its short answer; 0 turns the rule off."""


class AnswerSettings(BaseModel):
    """How questions are answered: evidence size, the relevance floor, the citation check."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    # What an answer reads: the best sentences of its `passages` search results, under
    # `evidence_tokens`. Measured on dev weeks (bench/studies/evidence_curve.py, bench/studies/dev_tuning.py):
    # 16 passages, no sentence cap or floor, `evidence_rank_weight = 0.4`, at most 5 sentences of
    # one article and the dated prompt (variant H) keep more of the answers found and raise F1
    # (0.254 vs 0.208; test weeks 0.20 vs 0.18) and keep the seed test, but read twice the tokens:
    # the answer benchmark's p50 latency rises to 0.55-0.67 of the tutorial chain's (target
    # <= 0.5), so the defaults stay the previous choice for now (docs: Numbers).
    passages: int = 8
    """Search results an answer's evidence is chosen from (flag `-k` of `ask`)."""
    evidence_tokens: int = 220
    """Token budget of the evidence given to the LLM."""
    max_evidence_sentences: int | None = 2  # None: only the token budget limits them
    """Evidence sentences chosen by score at most (unset: the token budget alone)."""
    # Then the best sentence not yet chosen of each of the search's first passages, so many: they
    # often hold the answer in a sentence that restates little of the question (bench/studies/evidence_curve.py).
    evidence_top_passages: int = 2
    """Then the best sentence not yet chosen of each of the search's first passages, so many."""
    # … if it scores at least this share of the best sentence: a weak passage's line only
    # distracts the model (0.5 kept every answer these lines brought on the dev weeks).
    evidence_top_passage_floor: float = 0.5
    """… if it scores at least this share of the best sentence."""
    # Sentences scoring below this share of the best one are left out (0: none are).
    evidence_min_relative_score: float = 0.8
    """Sentences scoring below this share of the best one are left out."""
    # A sentence's score gains this over the search rank of the passage it came from.
    evidence_rank_weight: float = 0.0
    """A sentence's score gains this divided by the search rank of its passage."""
    # Sentences of one article at most (None: no cap).
    evidence_sentences_per_article: int | None = None
    """Evidence sentences of one article at most (unset: no cap)."""
    # Evidence may take more passages of one article than a search result list shows.
    evidence_chunks_per_article: int = 6
    """Passages of one article the evidence may draw on."""
    # Below this cosine similarity between the question and its best evidence sentence, the
    # index holds nothing about the question: abstain without asking the LLM.
    min_relevance: float = 0.3
    """Below this similarity of the best evidence sentence to the question, abstain without asking the LLM."""
    max_answer_tokens: int = 160
    """Longest answer generated, in tokens."""
    # Answer as JSON held to a schema: "served" = for served LLMs (openai, ollama), "always" = also
    # for the in-process models (measured on RealTime QA: same answers, ~13 more output tokens,
    # which the local model pays in latency), "never" = plain text with [n] markers everywhere.
    structured_output: Literal["served", "always", "never"] = "served"
    """Answer as JSON held to a schema: `served` (openai, ollama), `always` (also the in-process models), `never`."""
    history_turns: int = 4
    """Earlier turns a follow-up is condensed with (the CLI chat, Discord threads and replies alike)."""
    # The prompt of prompts/ the answer is written with (plain text with [n] markers):
    # "answer_dated" also says what "this week" and "this year" mean given today's date (dev
    # weeks: it helps with longer evidence, not with four sentences; bench/studies/dev_tuning.py D, F, H).
    prompt: str = "answer"
    """The prompt of `prompts/` answers are written with."""
    # A time the question names ("this week", "in June", "since March"): "filter" = search only
    # that window's news (all news when it holds fewer than window_min_hits passages), "prefer" =
    # the window's news fills half the results, "off" = ignore it. "latest"/"recently": fresh_news
    # does the same with the last fresh_days of news. Chosen by measurement (docs: Numbers).
    time_window: Literal["filter", "prefer", "off"] = "prefer"
    """A time the question names ("this week", "in June"): `prefer` its news (half the results), `filter` to it, or
    `off`."""
    window_min_hits: int = 2
    """With `filter`, fewer passages than this in the window searches all news."""
    fresh_news: Literal["filter", "prefer", "off"] = "off"
    """"latest", "recently": `prefer`, `filter` or `off` the last `fresh_days` of news."""
    fresh_days: int = 30
    """Days of news that count as fresh for `fresh_news`."""
    # A question naming no time: the best passages of the last recent_first_days of news fill half
    # the results, the best of all news the rest (0 = off). A news question without a date mostly
    # asks about now, and the recent reports naming the answer share fewer words with it than old
    # background pieces do (docs: Numbers, dev weeks).
    recent_first_days: int = Field(default=0, ge=0)
    """A question naming no time: the best passages of the last N days fill half the results (0: off; not better on
    the dev weeks)."""
    plain_question: bool = True
    """Read the question without what chat puts around it (greetings, the bot's mention, emoji, an aside in
    parentheses, thanks) and with common chat spellings read ("u", "r", "us troops"); the asker's words stay on
    the Answer."""
    correct_spelling: bool = True
    """Read a question word that no indexed article contains, one or two letters from a word they do contain, as
    that word ("congsetion" → "congestion"); names typed with a capital are read only as names the articles write
    with one; in a question typed in lower case, a word the articles always write with a capital is written so
    ("bafta" → "BAFTA"; index/spelling.py)."""
    max_question_chars: int = 1000
    """Longest question accepted."""
    extractive_sentences: int = 2
    """Sentences in an answer without an LLM (`--llm none`)."""
    # A draft the check refuses whole is written once more from the evidence's best lines alone:
    # "mixed" = only a draft that took a figure from a line it does not cite (the small model mixed
    # two lines), "refused" = every draft refused whole, "off" = never. On the dev weeks "refused"
    # kept one answer (wrong) of 102 tries, the median answer 5.5 s → 7.0 s; "mixed" tried 2 of 150
    # (bench/studies/second_try.py).
    second_try: Literal["mixed", "refused", "off"] = "mixed"
    """A draft the check refuses whole is written once more from the evidence's best lines: `mixed` (only a draft that
    took a figure from a line it does not cite), `refused` (every one), `off`."""
    second_try_lines: int = Field(default=1, ge=1)
    """Lines of the evidence, the best by score, that the second try reads."""


class DiscordSettings(BaseModel):
    """The Discord bot: where Discord is, who may do what, and how much work it takes on."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    # DISCORD_TOKEN (or NEWSQA_DISCORD__TOKEN, or the config file); never logged or echoed.
    token: SecretStr | None = None
    """The bot's token (also `DISCORD_TOKEN`); never logged or echoed."""
    # Discord itself by default; a self-hosted Discord-compatible server (or the tests' emulator).
    api_url: str = "https://discord.com/api/v10"
    """REST base URL of Discord or a Discord-compatible server (also `NEWSQA_DISCORD_API_URL`)."""
    gateway_url: str = "wss://gateway.discord.gg/"
    """Gateway URL of Discord or a Discord-compatible server (also `NEWSQA_DISCORD_GATEWAY_URL`)."""
    # Sync the slash commands to these guilds (instant) instead of globally (up to an hour).
    guild_ids: list[int] = Field(default_factory=list)
    """Sync the slash commands to these guilds (instant); empty: globally (up to an hour)."""
    # Only these channels (and threads in them) are answered; empty = every channel.
    channel_ids: list[int] = Field(default_factory=list)
    """Answer only in these channels and their threads; empty: everywhere."""
    allow_dms: bool = False
    """Answer direct messages."""
    # A question in a channel gets its answer in a new thread; follow-ups go in that thread.
    threads: bool = True
    """A question in a channel gets its answer in a new thread."""
    # Read every message in the bot's threads as a follow-up, mention or not (needs the
    # privileged message-content intent switched on for the bot in the developer portal).
    message_content: bool = False
    """Read un-mentioned follow-ups in the bot's threads (the privileged message-content intent)."""
    admin_user_ids: list[int] = Field(default_factory=list)
    """Users who may `/ingest` and `/stats`."""
    admin_role_ids: list[int] = Field(default_factory=list)
    """Roles whose members may `/ingest` and `/stats`."""
    # Answers computed at once (the local LLM runs one at a time) and questions waiting.
    workers: int = 1
    """Answers computed at once."""
    queue_size: int = 32
    """Questions waiting beyond those before the bot says it is busy."""
    cooldown_s: float = 5.0
    """Per-user seconds between questions."""


def config_file() -> Path:
    """Where the config file is looked for (it need not exist)."""
    explicit = os.environ.get("NEWSQA_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("NEWSQA_HOME")
    return (Path(home).expanduser() if home else default_home()) / "config.toml"


class ServerSettings(BaseModel):
    """`newsqa serve`: where it listens, who may use it, how much work it takes on; and where the
    CLI looks for it."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    host: str = "127.0.0.1"  # loopback only unless set otherwise
    """Where `newsqa serve` listens (flag `--host`); loopback unless set otherwise."""
    port: int = 8765
    """Its port (flag `--port`)."""
    # Where `newsqa ask` and `newsqa chat` look for a running server ("" = never; answer in-process).
    url: str = "http://127.0.0.1:8765"
    """The server `newsqa ask` and `chat` try first; empty: never."""
    # Required as "Authorization: Bearer TOKEN" on every endpoint but the page's static files when
    # set (NEWSQA_SERVER__TOKEN); never logged or echoed.
    token: SecretStr | None = None
    """Bearer token every endpoint requires when set; never logged."""
    workers: int = 1  # answers written at once (an in-process LLM writes one at a time anyway)
    """Answers written at once."""
    queue_size: int = 8  # answers waiting beyond those; past it HTTP 429 with Retry-After
    """Answers waiting beyond those before HTTP 429."""
    # Searches (and stats) wait in a line of their own: no LLM, so they need not wait behind answers.
    search_workers: int = Field(default=2, ge=1)
    """Searches run at once (`/search`, the MCP `search` and `stats` tools)."""
    search_queue_size: int = Field(default=32, ge=0)
    """Searches waiting beyond those before HTTP 429."""
    # On SIGTERM the waiting answers are refused (503) and the running ones get this long to finish
    # (systemd's TimeoutStopSec, 90 s by default, must be longer).
    stop_grace_s: float = Field(default=60.0, ge=0)
    """Seconds the running answers get to finish when the server is stopped."""
    max_body_bytes: int = 65_536
    """Largest request body (HTTP 413 past it)."""
    insecure: bool = False
    """Let `newsqa serve` listen on an address other than loopback without `token` (flag `--insecure`)."""
    cors_origins: list[str] = Field(default_factory=list)  # none: CORS off
    """Origins allowed by CORS; empty: CORS off."""
    # OpenAI-compatible model names → LLM spec ("" = the configured `llm`).
    models: dict[str, str] = Field(default_factory=lambda: {"newsqa": "", "newsqa-none": "none"})
    """OpenAI-compatible model names → LLM spec (`""`: the configured `llm`)."""


class FeedbackSettings(BaseModel):
    """Readers' votes on answers: where they are kept and how much one reader's count."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    path: Path | None = None
    """Where answers and votes are stored (unset: `HOME/feedback.sqlite3`)."""
    votes_per_voter: int = Field(default=50, ge=1)
    """Of one voter's votes, only the newest this many count in exports and training."""


class DiscordAliases(PydanticBaseSettingsSource):
    """DISCORD_TOKEN, NEWSQA_DISCORD_API_URL and NEWSQA_DISCORD_GATEWAY_URL: the names Discord
    bots and Discord-compatible servers conventionally use, beside NEWSQA_DISCORD__*."""

    NAMES = {"DISCORD_TOKEN": "token", "NEWSQA_DISCORD_API_URL": "api_url",
             "NEWSQA_DISCORD_GATEWAY_URL": "gateway_url"}

    def get_field_value(self, field, field_name):  # required by the base class; unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {key: os.environ[name] for name, key in self.NAMES.items() if os.environ.get(name)}
        return {"discord": found} if found else {}


class Settings(IndexSettings, BaseSettings):
    """All of newsqa's settings; being an IndexSettings, it is what the index layer takes."""

    llm: str = "local"
    """LLM provider spec: `local`, `local:PATH.gguf`, `test`, `openai:MODEL`, `ollama:MODEL`, `anthropic:MODEL` or
    `none` (flag `--llm`)."""
    providers: ProviderSettings = Field(default_factory=ProviderSettings)
    """Where the served LLMs are."""
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    """How questions are answered."""
    check: CheckSettings = Field(default_factory=CheckSettings)
    """The citation check."""
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    """The Discord bot."""
    server: ServerSettings = Field(default_factory=ServerSettings)
    """`newsqa serve`."""
    feedback: FeedbackSettings = Field(default_factory=FeedbackSettings)
    """Readers' votes."""

    def feedback_store(self):
        """The store of answers and votes these settings name."""
        from newsqa.bot.feedback import FeedbackStore

        return FeedbackStore(self.feedback.path or self.home / "feedback.sqlite3", self.feedback.votes_per_voter)

    model_config = SettingsConfigDict(
        env_prefix="NEWSQA_", env_nested_delimiter="__", extra="ignore", validate_default=True,
        use_attribute_docstrings=True,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: flags (init), then the environment, then the config file, then defaults.
        return (init_settings, env_settings, DiscordAliases(settings_cls),
                TomlConfigSettingsSource(settings_cls, config_file()))


def load_settings(**flags: Any) -> Settings:
    """Settings with command-line flags on top; flags left as None do not override anything."""
    path = config_file()
    if os.environ.get("NEWSQA_CONFIG") and not path.is_file():
        raise NewsqaError(f"config file {path} (from NEWSQA_CONFIG) does not exist")
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = _origin(error["loc"], given, path)
        raise NewsqaError(f"invalid configuration ({where}): {'.'.join(map(str, error['loc']))}: "
                          f"{error['msg']} (got {error.get('input')!r})") from None
    except ValueError as exc:  # a variable's JSON or the TOML file cannot be read
        variable = _unreadable_variable(str(exc))
        if variable:
            raise NewsqaError(f"invalid configuration (environment {variable}): not valid JSON "
                              f"(got {os.environ[variable]!r})") from None
        first = str(exc).strip().splitlines()
        raise NewsqaError(f"invalid configuration ({path}): {' '.join(first[:3])}") from None


def _unreadable_variable(message: str) -> str | None:
    """The NEWSQA_* variable whose value pydantic-settings could not read as JSON (a list or table
    setting, or a whole section), from its message 'error parsing value for field "watch" from
    source "EnvSettingsSource"'."""
    found = re.search(r'field "(\w+)" from source "EnvSettingsSource"', message)
    if not found:
        return None
    prefix = f"NEWSQA_{found.group(1)}".upper()
    for name in sorted(os.environ):
        if name.upper() == prefix or name.upper().startswith(prefix + "__"):
            try:
                json.loads(os.environ[name])
            except ValueError:
                return name
    return None


def _origin(loc: tuple, flags: dict[str, Any], path: Path) -> str:
    """Where a setting's bad value came from, in the order settings are read: a flag, the
    environment (NEWSQA_SECTION__NAME, any case), else the config file."""
    if loc and loc[0] in flags:
        return f"option {loc[0]}"
    for depth in range(len(loc), 0, -1):  # a whole section may come as JSON in one variable
        name = "NEWSQA_" + "__".join(str(part) for part in loc[:depth])
        found = next((key for key in os.environ if key.upper() == name.upper()), None)
        if found:
            return f"environment {found}"
    return str(path)
