"""Which llama.cpp build this process loads: the portable one, or a faster one the CPU can run.

`make setup` installs llama-cpp-python as a portable build (AVX2, FMA, F16C, BMI2), which runs on
any x86-64 CPU with AVX2. On a CPU with AVX-512 (VBMI, VNNI and BF16 among it) it also builds the
same version with those kernels into `<venv>/lib/newsqa-llama/avx512/`; processing a prompt is
then about 1.6 times as fast (bench/llm_speed.py). The choice is made here, at run time, from the
CPU's own flags, before llama_cpp is first imported: llama-cpp-python loads its libraries from
LLAMA_CPP_LIB_PATH when that is set. No build holds AMX kernels: they crashed with SIGSEGV on an
AMX machine, so a CPU that advertises AMX gets AVX-512 kernels at most.

>>> choose_kernels({"avx2", "fma", "f16c"}, {"avx512"})   # an AMD Zen 3
'portable'
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

KERNELS_DIR = Path(sys.prefix) / "lib" / "newsqa-llama"
# What each extra build was compiled with, as /proc/cpuinfo names it: the CPU must have all of it.
NEEDS = {
    "avx512": frozenset({"avx2", "fma", "f16c", "bmi2", "avx512f", "avx512bw", "avx512vl", "avx512dq",
                         "avx512vbmi", "avx512_vnni", "avx512_bf16"}),
}
CHOICES = ("auto", "portable", *NEEDS)


def cpu_flags() -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo cannot be read)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def installed_kernels() -> set[str]:
    """The extra builds the setup installed beside the portable one."""
    return {name for name in NEEDS if any((KERNELS_DIR / name).glob("libllama.so*"))}


def choose_kernels(flags: set[str], installed: set[str], wanted: str = "auto") -> str:
    """The build to load: `wanted` if it is installed and the CPU runs it; for "auto", the fastest
    such build; else "portable"."""
    runnable = [name for name in NEEDS if name in installed and NEEDS[name] <= flags]
    if wanted == "auto":
        return runnable[0] if runnable else "portable"
    return wanted if wanted in runnable else "portable"


def use_kernels(wanted: str = "auto") -> str:
    """Point llama-cpp-python at the chosen build; a no-op once llama_cpp is imported (its libraries
    are loaded then) or when LLAMA_CPP_LIB_PATH is already set by the user. Returns what is in use."""
    if "llama_cpp" in sys.modules or os.environ.get("LLAMA_CPP_LIB_PATH"):
        return loaded_kernels()
    choice = choose_kernels(cpu_flags(), installed_kernels(), wanted)
    if choice != "portable":
        os.environ["LLAMA_CPP_LIB_PATH"] = str(KERNELS_DIR / choice)
    return choice


def loaded_kernels() -> str:
    """Which build this process uses (or will use once llama_cpp is imported)."""
    path = os.environ.get("LLAMA_CPP_LIB_PATH")
    if not path:
        return "portable"
    return Path(path).name if Path(path).parent == KERNELS_DIR else f"custom ({path})"
