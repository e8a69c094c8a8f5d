"""The installed llama.cpp runs on any x86-64 CPU with AVX2, whatever the CPU advertises.

A native build's AMX kernels crashed with SIGSEGV on an Intel machine that advertises AMX, and an
AVX-512 build dies with SIGILL on CPUs without it. These tests read the installed libraries' own
code, so an upgrade or a wheel built elsewhere cannot bring either back unnoticed — on machines
whose CPU has neither AMX nor AVX-512 as well as on those that do. The AVX-512 build that
`make setup` adds on CPUs that run it must hold no AMX code either, and is loaded only there.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newsqa.bot.cpu_kernels import KERNELS_DIR, NEEDS, choose_kernels, cpu_flags, installed_kernels
from newsqa.bot.doctor import compiled_features, installed_llama_libraries, instructions_beyond_avx2

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the portable build is for x86-64")
needs_tools = pytest.mark.skipif(not (shutil.which("objdump") and shutil.which("gcc")),
                                 reason="objdump and gcc are needed to read machine code")
SYSTEM_INFO = "import llama_cpp; print(llama_cpp.llama_print_system_info().decode())"


def system_info(lib_path: Path | None) -> set[str]:
    """What a build reports it was compiled with, loaded in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CPP_LIB_PATH"}
    if lib_path:
        env["LLAMA_CPP_LIB_PATH"] = str(lib_path)
    run = subprocess.run([sys.executable, "-c", SYSTEM_INFO], capture_output=True, text=True, env=env, check=True)
    return compiled_features(run.stdout)


def test_the_portable_build_reports_avx2_and_neither_amx_nor_avx512():
    features = system_info(None)
    assert {"AVX", "AVX2", "FMA", "F16C"} <= features, features
    assert not {f for f in features if f.startswith(("AMX", "AVX512"))}, features


@pytest.mark.parametrize("name", sorted(NEEDS))
def test_an_extra_build_has_its_kernels_and_no_amx(name: str):
    if name not in installed_kernels():
        assert not NEEDS[name] <= cpu_flags(), f"this CPU runs the {name} build, yet make setup did not install it"
        pytest.skip(f"no {name} build here: make setup builds it only on CPUs that run it")
    features = system_info(KERNELS_DIR / name)
    assert {"AVX2", "AVX512", "AVX512_VNNI"} <= features, features
    assert not {f for f in features if f.startswith("AMX")}, features


@needs_tools
def test_no_library_of_the_portable_build_holds_amx_or_avx512_instructions():
    libraries = sorted(p for p in installed_llama_libraries().glob("lib*.so") if not p.is_symlink())
    assert {p.name for p in libraries} >= {"libggml-base.so", "libggml-cpu.so", "libllama.so"}
    for library in libraries:
        assert instructions_beyond_avx2(library) == {"AMX": 0, "AVX-512": 0}, library.name


@needs_tools
def test_no_extra_build_holds_amx_instructions():
    for name in installed_kernels():
        library = KERNELS_DIR / name / "libggml-cpu.so"
        counts = instructions_beyond_avx2(library)
        assert counts["AMX"] == 0 and counts["AVX-512"] > 0, (name, counts)


AMX_CPU = {"avx2", "fma", "f16c", "bmi2", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vbmi",
           "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16"}  # a Sapphire Rapids


@pytest.mark.parametrize("flags, installed, wanted, chosen", [
    (AMX_CPU, {"avx512"}, "auto", "avx512"),  # AVX-512 kernels, never AMX ones: none are built
    (AMX_CPU, set(), "auto", "portable"),  # the extra build is not installed
    (AMX_CPU - {"avx512_bf16"}, {"avx512"}, "auto", "portable"),  # an Ice Lake lacks BF16
    ({"avx2", "fma", "f16c", "bmi2"}, {"avx512"}, "avx512", "portable"),  # asked for, but the CPU can't
    (AMX_CPU, {"avx512"}, "portable", "portable"),
])
def test_the_build_is_chosen_from_the_cpu_flags(flags, installed, wanted, chosen):
    assert choose_kernels(flags, installed, wanted) == chosen


def test_this_process_loads_the_chosen_build():
    expected = choose_kernels(cpu_flags(), installed_kernels())
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CPP_LIB_PATH"}
    code = ("from newsqa.bot.cpu_kernels import use_kernels; print(use_kernels()); import llama_cpp, pathlib; "
            "print(next(l.split()[-1] for l in pathlib.Path('/proc/self/maps').read_text().splitlines() "
            "if 'libggml-cpu' in l))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    choice, library = run.stdout.split()
    assert choice == expected
    assert Path(library).parent == (KERNELS_DIR / expected if expected != "portable" else installed_llama_libraries())


@needs_tools
@pytest.mark.parametrize("flag, source, found", [
    ("-mamx-tile", "void f(const void *c, const void *p) { _tile_loadconfig(c); _tile_loadd(0, p, 64); "
                   "_tile_release(); }", "AMX"),
    ("-mavx512f", "void f(float *a) { __m512 x = _mm512_loadu_ps(a); _mm512_storeu_ps(a, _mm512_add_ps(x, x)); }",
     "AVX-512"),
])
def test_the_reader_finds_such_instructions_where_they_are(tmp_path: Path, flag: str, source: str, found: str):
    (tmp_path / "k.c").write_text("#include <immintrin.h>\n" + source + "\n")
    library = tmp_path / "libk.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", flag, "-o", str(library), str(tmp_path / "k.c")], check=True)
    counts = instructions_beyond_avx2(library)
    assert counts[found] > 0 and sum(counts.values()) == counts[found]
