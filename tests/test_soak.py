"""A short soak: every long-running part of newsqa together (`chroma run`, `newsqa watch` on 20 feeds,
`newsqa serve` with 20 clients, the Discord bot against the emulator) for 2 minutes with faults on a
schedule: feeds down or garbage, pages refused, rate-limited or hanging, Chroma and the watcher
killed, the server stopped while answering. bench/soak.py checks what a reader and an operator would
see (every entry stored once, index and manifest agreeing, every request answered or refused with a
Retry-After, none lost, every Discord question replied to, clean stops) and exits 1 naming what
failed. The committed table (bench/results/soak.md) is a 10-minute run of the same script."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import REPO, SHARED_DATA

pytestmark = [pytest.mark.server, pytest.mark.slow]


def test_two_minutes_of_faults_lose_nothing(tmp_path):
    if not (SHARED_DATA / "realtimeqa" / "2025").is_dir():
        pytest.skip(f"the soak publishes the real articles of {SHARED_DATA}/realtimeqa/2025, absent here")
    run = subprocess.run([sys.executable, str(REPO / "bench" / "soak.py"), "--minutes", "2", "--no-table",
                          "--keep", str(tmp_path / "soak")],
                         capture_output=True, text=True, timeout=1800,
                         env={**os.environ, "NEWSQA_SHARED_DATA": str(SHARED_DATA)})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "soak: every check passed" in run.stdout
    table = run.stdout
    assert "| hung / lost / other errors | 0 / 0 / 0 | ok |" in table
    # The page answering 403 for good may be given up on by then (its summary stays): nothing missing.
    assert re.search(r"\| entries missing / stored twice / given up \| 0 / 0 / \d+", table), table
