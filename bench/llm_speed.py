"""llama.cpp speed on the default model: the builds `make setup` installs (the portable one and,
on CPUs with AVX-512, the one chosen at run time), side by side in the same run with a build
tuned to this machine's CPU (GGML_NATIVE, AMX left out) and with ggml's CPU variants that tell
which CPU features the difference comes from.

    .venv/bin/python bench/llm_speed.py     # builds the native and variant wheels once (4-8 minutes each)
    .venv/bin/python bench/llm_speed.py --native-wheel PATH.whl --variants ''

Each build runs in its own process (bench/llm_speed_worker.py): a 300-token prompt processed
from scratch, then 64 single-token decodes, 3 times; the builds alternate for --rounds rounds so
that a noisy neighbour slows all alike. Saves bench/results/llm_speed.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, write_table

sys.path.insert(0, str(REPO))
from newsqa.bot.cpu_kernels import KERNELS_DIR, choose_kernels, cpu_flags, installed_kernels  # noqa: E402
from newsqa.bot.doctor import compiled_features, describe_features  # noqa: E402
from newsqa.bot.model_files import default_model_path  # noqa: E402

WHEELS = Path(os.environ.get("NEWSQA_WHEEL_CACHE") or Path.home() / ".cache" / "newsqa" / "wheels")
# -march=native picks every feature the CPU has; AMX is switched off explicitly (GCC keeps an
# explicit -mno-* whatever -march says), since its kernels crashed on an AMX machine.
NATIVE_CMAKE_ARGS = "-DGGML_NATIVE=ON -DLLAVA_BUILD=OFF"
NO_AMX_FLAGS = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
# ggml's own CPU variants (GGML_CPU_ALL_VARIANTS), above the portable build's haswell set: what
# run-time selection would choose among. Each: the features added, the CPU flags it needs.
BASE = ["SSE42", "AVX", "F16C", "FMA", "AVX2", "BMI2"]
# (The "zen4" variant is the avx512 build that make setup adds: measured as that row.)
VARIANTS = {
    "alderlake": (["AVX_VNNI"], {"avx_vnni"}),
    "skylakex": (["AVX512"], {"avx512f", "avx512bw", "avx512vl"}),
}
ALL_FEATURES = BASE + ["AVX_VNNI", "AVX512", "AVX512_VBMI", "AVX512_VNNI", "AVX512_BF16", "AMX_TILE", "AMX_INT8",
                       "AMX_BF16"]

def llama_version() -> str:
    from importlib.metadata import version

    return version("llama-cpp-python")


def variant_cmake_args(features: list[str]) -> str:
    on = set(BASE + features)
    return " ".join(["-DGGML_NATIVE=OFF", "-DLLAVA_BUILD=OFF"] +
                    [f"-DGGML_{f}={'ON' if f in on else 'OFF'}" for f in ALL_FEATURES])


def built_wheel(name: str, cmake_args: str, cflags: str = "", key_extra: str = "") -> Path:
    """A llama-cpp-python wheel of the installed version with these build flags, built once."""
    key = hashlib.sha256(f"{cmake_args} {cflags} {key_extra}".encode()).hexdigest()[:12]
    folder = WHEELS / f"llama-cpp-python-{llama_version()}-{name}-{key}"
    found = sorted(folder.glob("*.whl"))
    if found:
        return found[0]
    print(f"building llama-cpp-python {llama_version()} ({name}) into {folder} (4-8 minutes)…", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in ("CFLAGS", "CXXFLAGS")}
    env.update(CMAKE_ARGS=cmake_args, CMAKE_BUILD_PARALLEL_LEVEL=os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2"))
    if cflags:
        env.update(CFLAGS=cflags, CXXFLAGS=cflags)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir",
                    "--no-binary", "llama-cpp-python", "-w", str(folder),
                    f"llama-cpp-python=={llama_version()}"], env=env, check=True)
    return sorted(folder.glob("*.whl"))[0]


def native_wheel() -> Path:
    """Built for this CPU model (its flags are part of the cache key), AMX left out."""
    return built_wheel("native", NATIVE_CMAKE_ARGS, NO_AMX_FLAGS, " ".join(sorted(cpu_flags())))


def variant_wheels(names: list[str]) -> dict[str, Path]:
    """The named ggml CPU variants that this CPU can run, built as fixed builds."""
    flags = cpu_flags()
    return {name: built_wheel(name, variant_cmake_args(VARIANTS[name][0]))
            for name in names if VARIANTS[name][1] <= flags}


def unpack(wheel: Path, into: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(into),
                    str(wheel)], check=True)
    return into


def measure(pythonpath: str | None, model: str, threads: int, lib_path: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_CPP_LIB_PATH"}
    env["HF_HUB_OFFLINE"] = "1"
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    if lib_path:
        env["LLAMA_CPP_LIB_PATH"] = str(lib_path)
    run = subprocess.run([sys.executable, str(REPO / "bench" / "llm_speed_worker.py"), "--model", model,
                          "--threads", str(threads)], capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise SystemExit(f"llm_speed_worker failed (exit {run.returncode}):\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


PORTABLE = "portable (make setup, any AVX2 CPU)"
AVX512 = "avx512 (make setup, chosen at run time here)"
NATIVE = "native, AMX off"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--native-wheel", type=Path, help="a native llama-cpp-python wheel (default: build one)")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="ggml CPU variants to build and measure too, where this CPU runs them ('' for none)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args()

    model = str(default_model_path())
    wheels = {NATIVE: args.native_wheel or native_wheel()}
    wheels.update({f"{name} variant": path for name, path in
                   variant_wheels([v for v in args.variants.split(",") if v]).items()})
    setup_builds = {PORTABLE: None}
    if choose_kernels(cpu_flags(), installed_kernels()) == "avx512":
        setup_builds[AVX512] = KERNELS_DIR / "avx512"
    builds: dict[str, list[dict]] = {name: [] for name in [*setup_builds, *wheels]}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: (None, lib) for name, lib in setup_builds.items()}
        paths.update({name: (str(unpack(w, Path(tmp) / str(i))), None) for i, (name, w) in enumerate(wheels.items())})
        for round_ in range(args.rounds):
            for name, (path, lib) in paths.items():
                result = measure(path, model, args.threads, lib)
                print(f"round {round_ + 1} {name}: prompt {result['prompt_tps']:.1f} tok/s, "
                      f"generation {result['gen_tps']:.1f} tok/s", flush=True)
                builds[name].append(result)

    def rates(name: str, key: str) -> list[float]:
        return [x for r in builds[name] for x in r[key]]

    ref_p, ref_g = statistics.median(rates(NATIVE, "prompt_all")), statistics.median(rates(NATIVE, "gen_all"))
    rows = []
    for name, results in builds.items():
        p, g = rates(name, "prompt_all"), rates(name, "gen_all")
        rows.append([name, describe_features(compiled_features(results[0]["system_info"])),
                     f"{statistics.median(p):.1f} ({min(p):.1f}–{max(p):.1f})",
                     f"{statistics.median(g):.1f} ({min(g):.1f}–{max(g):.1f})",
                     f"{statistics.median(p) / ref_p:.2f} / {statistics.median(g) / ref_g:.2f}"])
    flags = cpu_flags()
    cpu_has = " ".join(f for f in ("avx2", "fma", "f16c", "avx_vnni", "avx512f", "avx512vbmi", "avx512_vnni",
                                   "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16") if f in flags)
    write_table(
        "llm_speed",
        "llama.cpp speed: the portable build against native and ggml's CPU variants (default model)",
        ["build", "CPU kernels compiled in", "prompt tokens/s (min–max)", "generation tokens/s (min–max)",
         "vs native: prompt / generation"],
        rows,
        [
            f"llama-cpp-python {llama_version()}; model {Path(model).name}; {args.threads} threads; a prompt of "
            f"300 tokens processed from scratch, then 64 single-token decodes; {args.rounds} rounds × 3 "
            "repetitions per build, the builds alternating; medians (and range) over all repetitions.",
            f"This CPU advertises: {cpu_has}.",
            "portable = what make setup installs everywhere: GGML_NATIVE=OFF with AVX, AVX2, FMA, F16C, BMI2 "
            "(runs on any x86-64 CPU with AVX2). avx512 = what make setup adds on CPUs with AVX-512 F/BW/VL/DQ/"
            "VBMI/VNNI/BF16 (ggml's zen4 variant, no AMX), loaded by bot/cpu_kernels.py only where the CPU has "
            "them. native = -march=native with -mno-amx-*. A 'variant' row is a fixed build with the features "
            "of that ggml CPU variant (GGML_CPU_ALL_VARIANTS), to tell which features the speed comes from.",
            "Command: .venv/bin/python bench/llm_speed.py",
        ],
    )


if __name__ == "__main__":
    main()
