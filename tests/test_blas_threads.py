"""The server runs NumPy's OpenBLAS on one thread (ui/warmup.py): its parallelism is its sessions.
Checked in fresh processes, since the thread count is process-wide."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("from ui import warmup; before = warmup.blas_threads(); warmup.prepare(); "
         "print(before, warmup.blas_threads())")


def _run(**env: str) -> tuple[int, int]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "BACKPROP_LAB_BLAS_THREADS")}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**base, **env}, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    if out[0] == "None":
        pytest.skip("NumPy here does not use an OpenBLAS this process can reach")
    return int(out[0]), int(out[1])


def test_the_warm_up_leaves_one_blas_thread():
    assert _run()[1] == 1


def test_an_explicit_thread_setting_wins():
    before, after = _run(OPENBLAS_NUM_THREADS="2")
    assert after == before
    assert _run(BACKPROP_LAB_BLAS_THREADS="2")[1] == min(2, os.cpu_count() or 1) or os.cpu_count() == 1
    assert _run(BACKPROP_LAB_BLAS_THREADS="junk")[1] == 1
