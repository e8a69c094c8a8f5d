"""`newsqa doctor`: is this machine ready to answer? One verdict a check, with the fix when it fails.

The LLM is asked for a few tokens in a child process, so a llama.cpp build that crashes on this
CPU (a native build's AMX kernels did, with SIGSEGV) is reported with its signal instead of taking
the doctor down with it.

>>> from newsqa.bot.config import load_settings                              # doctest: +SKIP
>>> [c.line() for c in diagnose(load_settings(), generate=False)]   # doctest: +SKIP
['ok    python: 3.11.7', ...]
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from newsqa.bot.config import DiscordSettings, Settings
from newsqa.bot.cpu_kernels import use_kernels
from newsqa.bot.model_files import DEFAULT_SHA256, DEFAULT_SIZE, default_model_path
from newsqa.errors import one_line

LOCK_FILE = Path(__file__).resolve().parents[1] / "requirements.lock"
MIN_PYTHON = (3, 11)
# x86 instructions that only exist with AMX (tile registers); their absence from the CPU backend
# means no AMX kernel can run, whatever the CPU advertises.
AMX_MNEMONICS = ("ldtilecfg", "sttilecfg", "tileloadd", "tilestored", "tilezero", "tdpbssd", "tdpbsud",
                 "tdpbusd", "tdpbuud", "tdpbf16ps", "tdpfp16ps", "tilerelease")
X86_FEATURES = ("AVX", "AVX2", "FMA", "F16C", "BMI2", "AVX_VNNI", "AVX512", "AVX512_VBMI", "AVX512_VNNI",
                "AVX512_BF16", "AMX_INT8")
REBUILD_FIX = "rebuild llama-cpp-python portable: NEWSQA_REBUILD_LLAMA=1 make setup (docs: Install)"
SETUP_FIX = "make setup (installs exactly the versions in requirements.lock)"


@dataclass
class Check:
    """One verdict: ok True/False, or None when the check does not apply here (skipped)."""

    name: str
    ok: bool | None
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {True: "ok  ", False: "FAIL", None: "skip"}[self.ok]
        fix = f" — fix: {self.fix}" if self.ok is False and self.fix else ""
        return f"{mark}  {self.name}: {self.detail}{fix}"


def diagnose(settings: Settings, generate: bool = True, discord: bool = False,
               timeout_s: float = 600.0) -> Iterator[Check]:
    """Every check in order, each yielded as soon as it is done (slow ones last)."""
    checks: list[Callable[[], Check]] = [
        check_python, check_lock, check_torch, lambda: check_llama_build(settings.providers.local_kernels),
        lambda: check_home(settings), lambda: check_store(settings),
        lambda: check_discord(settings.discord, required=discord),
        lambda: check_embedding(settings), check_default_model_files,
    ]
    if generate:
        checks.append(lambda: check_generation(settings, timeout_s))
    for check in checks:
        yield check()


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info[:2] < MIN_PYTHON:
        return Check("python", False, f"{version} is older than {'.'.join(map(str, MIN_PYTHON))}",
                     "install Python 3.11 or newer and run make setup again")
    return Check("python", True, version)


def read_lock(path: Path = LOCK_FILE) -> dict[str, str]:
    """Package name (normalized) → pinned version, from a pip-tools lock file."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", line)
        if match:
            pins[_normalize(match.group(1))] = match.group(2)
    return pins


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _same_version(installed: str, pinned: str) -> bool:
    # torch's CPU wheel is 2.13.0+cpu where the lock may say 2.13.0: the local label is the build
    return installed == pinned or installed.split("+")[0] == pinned.split("+")[0]


def check_lock(path: Path = LOCK_FILE) -> Check:
    if not path.is_file():
        return Check("versions", None, "no requirements.lock beside the package (installed outside a checkout)")
    pins = read_lock(path)
    wrong = []
    for name, pinned in sorted(pins.items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name} missing (lock {pinned})")
            continue
        if not _same_version(installed, pinned):
            wrong.append(f"{name} {installed} (lock {pinned})")
    if wrong:
        shown = ", ".join(wrong[:4]) + (f" and {len(wrong) - 4} more" if len(wrong) > 4 else "")
        return Check("versions", False, f"{len(wrong)} of {len(pins)} differ from the lock: {shown}", SETUP_FIX)
    return Check("versions", True, f"all {len(pins)} packages as in {path.name}")


def check_torch() -> Check:
    try:
        import torch
    except ImportError:
        return Check("torch", False, "not installed", SETUP_FIX)
    if torch.version.cuda is not None:
        return Check("torch", False, f"{torch.__version__} is a CUDA build (several GB, no use without a GPU)",
                     "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu")
    return Check("torch", True, f"{torch.__version__}, CPU build")


def installed_llama_libraries() -> Path | None:
    """The folder of the installed llama-cpp-python's own shared libraries (the portable build)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "lib"


def llama_cpu_library() -> Path | None:
    """The shared library holding llama.cpp's CPU kernels (ggml-cpu) that this process loads: the
    chosen build's (LLAMA_CPP_LIB_PATH), else the installed package's own."""
    chosen = os.environ.get("LLAMA_CPP_LIB_PATH")
    lib = Path(chosen) if chosen else installed_llama_libraries()
    if lib is None:
        return None
    found = sorted(lib.glob("libggml-cpu*.so*")) or sorted(lib.glob("libggml.so*"))
    return found[0] if found else None


def llama_system_info() -> str:
    """What llama.cpp says it was built with: 'CPU : SSE3 = 1 | AVX2 = 1 | … |'."""
    import llama_cpp

    return llama_cpp.llama_print_system_info().decode(errors="replace")


def compiled_features(info: str) -> set[str]:
    """The CPU features a build's system info reports as on (e.g. {'AVX2', 'FMA', 'F16C'})."""
    return {name for name, value in re.findall(r"([A-Z][A-Z0-9_]*) = (\d+)", info) if value == "1"}


def describe_features(features: set[str]) -> str:
    """The x86 SIMD features among `features`, in the order each builds on the last."""
    return " ".join(f for f in X86_FEATURES if f in features) or "generic"


def instructions_beyond_avx2(library: Path) -> dict[str, int]:
    """How many AMX instructions and AVX-512 (zmm) instructions a shared library's code holds, read
    from its disassembly (objdump): what the CPU will be asked to run, whatever the build claims."""
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(library)], capture_output=True,
                             text=True, check=True).stdout
    amx = re.compile(r"\t(?:" + "|".join(AMX_MNEMONICS) + r")\b")
    return {"AMX": len(amx.findall(listing)), "AVX-512": listing.count("%zmm")}


def check_llama_build(kernels: str = "auto") -> Check:
    build = use_kernels(kernels)
    try:
        info = llama_system_info()
    except ImportError:
        return Check("llama.cpp", False, "llama-cpp-python is not installed", SETUP_FIX)
    features = compiled_features(info)
    amx = sorted(f for f in features if f.startswith("AMX"))
    library = llama_cpu_library()
    if not amx and library is not None and shutil.which("objdump"):
        if instructions_beyond_avx2(library)["AMX"]:
            amx = ["AMX instructions"]
    if amx:
        return Check("llama.cpp", False, f"built with {', '.join(amx)}: its AMX kernels crash on some CPUs",
                     REBUILD_FIX)
    return Check("llama.cpp", True, f"{build} build, CPU kernels {describe_features(features)}, no AMX")


def check_home(settings: Settings) -> Check:
    home = settings.home
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("data directory", False, f"{home} is not writable ({exc.strerror or exc})",
                     "set NEWSQA_HOME (or --home) to a writable directory")
    return Check("data directory", True, f"{home} is writable")


def check_store(settings: Settings) -> Check:
    if settings.engine == "milvus":
        return check_milvus(settings)
    from newsqa.errors import NewsqaError
    from newsqa.index.store import connect

    try:
        client = connect(settings)
        names = [getattr(c, "name", c) for c in client.list_collections()]
    except NewsqaError as exc:
        fix = ("start the Chroma server, or set chroma.mode = \"embedded\"" if settings.chroma.mode == "server"
               else "check that the data directory is not in use by another version of Chroma")
        return Check("chroma", False, str(exc), fix)
    has = "holds the collection" if settings.chroma.collection in names else "opens (collection not created yet)"
    return Check("chroma", True, f"{settings.chroma.mode} at {settings.chroma_location} {has}")


def check_milvus(settings: Settings) -> Check:
    from newsqa.errors import NewsqaError, one_line
    from newsqa.index.milvus import connect

    milvus = settings.milvus
    try:
        client = connect(settings)
        try:
            names = client.list_collections()
        finally:
            client.close()
    except NewsqaError as exc:
        fix = ("start the Milvus server, or leave milvus.uri empty for a milvus-lite file" if milvus.is_server
               else "stop the other process that has this milvus-lite file open, or use a Milvus server")
        return Check("milvus", False, str(exc), fix)
    except Exception as exc:  # pymilvus raises many types; the doctor names the failure in one line
        return Check("milvus", False, f"Milvus at {settings.milvus_uri} did not answer: {one_line(exc)[:200]}",
                     "check milvus.uri and milvus.token")
    has = "holds the collection" if milvus.collection in names else "opens (collection not created yet)"
    kind = "server" if milvus.is_server else "milvus-lite file"
    return Check("milvus", True, f"{kind} at {settings.milvus_uri} {has}")


def discord_configured(discord: DiscordSettings) -> bool:
    """Any Discord setting changed from its default (besides the token) means the bot is meant to run."""
    defaults = DiscordSettings().model_dump(exclude={"token"})
    return discord.model_dump(exclude={"token"}) != defaults


def check_discord(discord: DiscordSettings, required: bool = False) -> Check:
    has_token = discord.token is not None and bool(discord.token.get_secret_value().strip())
    if has_token:
        return Check("discord", True, "token set (not shown)")
    if required or discord_configured(discord):
        return Check("discord", False, "Discord is configured but no token is set",
                     "export DISCORD_TOKEN=… (or discord.token in the config file)")
    return Check("discord", None, "not configured")


def check_embedding(settings: Settings) -> Check:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the check is that it loads with no hub at all
    from newsqa.index.embeddings import Embedder

    start = time.perf_counter()
    try:
        vector = Embedder.configured(settings).encode(["Is the doctor in?"])[0]
    except Exception as exc:  # any failure to load is the verdict
        return Check("embedding model", False, f"{settings.embedding_model} does not load offline: "
                     f"{one_line(exc)[:300]}", SETUP_FIX)
    return Check("embedding model", True, f"{settings.embedding_model} loads offline "
                 f"({settings.embedding_backend}, {len(vector)} dimensions, {time.perf_counter() - start:.1f} s)")


def check_default_model_files() -> Check:
    """The default LLM's parts are installed, and the joined file's sha256 is the published one
    (hashed again here, not taken from the marker written when it was joined)."""
    from newsqa.bot.model_files import ModelFileError

    try:
        path = default_model_path()
        digest = _sha256(path)
    except ModelFileError as exc:
        return Check("default LLM files", False, str(exc), SETUP_FIX)
    if digest != DEFAULT_SHA256 or path.stat().st_size != DEFAULT_SIZE:
        path.unlink(missing_ok=True)  # joined again from the parts on next use
        return Check("default LLM files", False, f"{path} fails its sha256 check (got {digest[:16]}…)",
                     "run newsqa doctor again (the file is joined anew from its packages)")
    return Check("default LLM files", True, f"{path.name} ({DEFAULT_SIZE:,} bytes), sha256 verified")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


GENERATE = (
    "import sys; from newsqa.bot.config import load_settings; from newsqa.bot.llm import make_llm;"
    "s = load_settings(llm=sys.argv[1]); choice = make_llm(s.llm, s.providers, max_tokens=8);"
    "print(choice.chat.invoke('Reply with one word: ready').content.strip()[:60])"
)


def check_generation(settings: Settings, timeout_s: float = 600.0, program: str = GENERATE) -> Check:
    """The configured LLM writes a few tokens, in a child process that may crash without us."""
    name = f"LLM ({settings.llm})"
    if settings.llm.strip().lower() == "none":
        return Check(name, None, "no LLM configured (answers are the best evidence sentences)")
    env = dict(os.environ, NEWSQA_HOME=str(settings.home), HF_HUB_OFFLINE="1")
    start = time.perf_counter()
    try:
        run = subprocess.run([sys.executable, "-c", program, settings.llm], capture_output=True, text=True,
                             env=env, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return Check(name, False, f"no reply within {timeout_s:.0f} s", "check the LLM server or the machine's load")
    seconds = time.perf_counter() - start
    if run.returncode < 0:
        sig = signal.Signals(-run.returncode).name
        return Check(name, False, f"crashed with {sig} while generating (the llama.cpp build does not run on "
                     "this CPU)", REBUILD_FIX)
    if run.returncode != 0:
        return Check(name, False, f"failed: {_last_line(run.stderr)}", "see the error; newsqa doctor names the "
                     "check that fails first")
    reply = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    if not reply:
        return Check(name, False, "generated nothing", REBUILD_FIX)
    return Check(name, True, f"generated {reply!r} in {seconds:.1f} s (load included)")


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"
