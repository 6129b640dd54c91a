"""A long play keeps memory bounded: 5,000 iterations on XOR (full batch), on digits (mini-batches) and
on MNIST 784-100-10 (79,510 parameters: a checkpoint is 636 KB, so the checkpoints' count floors, not
their byte budget, decide; the session stays within the issue's 25 MB, its shared dataset aside).

Two bounds, neither a timing:
- ``Session.nbytes`` (history + parameter checkpoints) stays under a bound stated from the session's
  own caps: checkpoints at most ``CHECKPOINT_BUDGET_BYTES`` plus a few states, history at most twice
  the rows it holds (its arrays grow by doubling) and never more than ``MAX_HISTORY_ROWS`` rows;
- tracemalloc's peak of newly allocated memory between iteration 2,500 and 5,000 stays small: the
  second half of a play only appends history rows and recycles checkpoints.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import backprop_core as bp
from backprop_core.checkpoints import (
    CHECKPOINT_BUDGET_BYTES,
    MAX_RECENT,
    MAX_THINNED,
    MIN_RECENT,
    MIN_THINNED,
    state_nbytes,
)
from backprop_core.presets import PRESETS
from backprop_core.session import MAX_HISTORY_ROWS

N = 5_000
HALF = N // 2
MB = 1 << 20


def state_bytes(s: bp.Session) -> int:
    """Bytes of one checkpoint: parameters plus optimizer slots, as Session.nbytes counts them."""
    assert state_nbytes(s.state) == s.net.spec.n_params * 8 * (1 + len(s.state.opt_state.slots))
    return state_nbytes(s.state)


def nbytes_bound(s: bp.Session) -> int:
    """Checkpoints within their budget and their count caps, or at their count floors when a state is
    too big for the budget (each half keeps at least MIN_RECENT / MIN_THINNED states), plus the current
    state and one spare; the history's arrays at most twice the rows they hold (they grow by doubling)."""
    per = state_bytes(s)
    half = CHECKPOINT_BUDGET_BYTES // 2
    recent = min(max(half, MIN_RECENT * per), MAX_RECENT * per)
    thinned = min(max(half, MIN_THINNED * per), MAX_THINNED * per)
    checkpoints = recent + thinned + 2 * per
    rows = min(len(s.history), MAX_HISTORY_ROWS)
    history = 2 * max(rows, 256) * len(s.history.columns) * 8
    return checkpoints + history


@pytest.mark.slow
@pytest.mark.parametrize("cfg,name", [
    (PRESETS["xor"], "xor full batch"),
    (PRESETS["moons"].replace(batch="mini", batch_size=16), "moons mini-batch 16, SGD"),
    (PRESETS["digits_fast"], "digits mini-batch 64, Adam"),  # 2,410 parameters: checkpoints hit their budget
], ids=["xor", "moons-mini", "digits-mini"])
def test_long_play_keeps_memory_bounded(cfg, name):
    s = bp.Session(cfg)
    tracemalloc.start()
    try:
        assert s.run(HALF) == HALF, f"{name} diverged"
        half_bytes = s.nbytes
        at_half, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        assert s.run(N - HALF) == N - HALF, f"{name} diverged"
        at_end, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert half_bytes <= nbytes_bound(s)
    assert s.iteration == N and len(s.history) == N  # nothing lost: every iteration has its row
    assert s.nbytes <= nbytes_bound(s), f"{name}: {s.nbytes / MB:.2f} MB held"
    # The second half only appends history rows (its array doubles once: 8,192 rows x <= 17 columns
    # x 8 B = 1.1 MB, briefly twice during the copy) and recycles checkpoints within their budget.
    assert peak - at_half < 3 * MB, f"{name}: peak {(peak - at_half) / MB:.2f} MB above iteration {HALF}'s"
    assert at_end - at_half < 1.5 * MB, f"{name}: {(at_end - at_half) / MB:.2f} MB more kept at iteration {N}"


@pytest.mark.slow
def test_history_thins_instead_of_growing_past_its_cap(monkeypatch):
    """Past MAX_HISTORY_ROWS rows the history halves (every other old row) instead of growing."""
    import backprop_core.session as session_mod

    monkeypatch.setattr(session_mod, "MAX_HISTORY_ROWS", 1_000)  # the same code path, 50x sooner
    s = bp.Session(PRESETS["xor"])
    s.run(3_000)
    assert len(s.history) <= 1_000
    assert s.history.stride >= 2
    its = s.history.column("iteration")
    assert its[-1] == 3_000 and (its[1:] > its[:-1]).all()  # still in order, newest kept
    assert s.history.nbytes <= 2 * 1_024 * len(s.history.columns) * 8


MNIST_SESSION_LIMIT = 25 * MB  # the bound for one session on mnist


@pytest.mark.slow
def test_an_mnist_session_that_steps_goes_back_and_plays_5000_stays_within_25_mb():
    """Everything one student's session allocates (checkpoints, history, the shown record and the
    preview, the evaluation passes' temporaries) while it steps, goes Back and plays 5,000 iterations,
    counted by tracemalloc: what it holds at the end and its peak. The dataset is the one every session
    on this split shares (31 MB of float64 images, held by the server once), so it is built before."""
    import gc

    cfg = PRESETS["mnist"]
    shared = bp.session.dataset_for(cfg)
    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        s = bp.Session(cfg)
        assert s.dataset is shared and state_bytes(s) == 79_510 * 8
        for _ in range(3):
            s.step()
        s.back()
        s.next_phase()
        s.next_phase()
        s.back()
        s.back()
        assert (s.iteration, s.phase) == (2, len(s.phases))
        tracemalloc.reset_peak()
        assert s.run(N) == N, "mnist diverged"
        held, peak = tracemalloc.get_traced_memory()
        held, peak = held - base, peak - base
        for _ in range(MIN_RECENT + 2):  # past the recent checkpoints: Back replays from a thinned one
            s.back()
        after_back, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert s.iteration == N + 2 - (MIN_RECENT + 2)
    assert s.nbytes <= nbytes_bound(s), f"{s.nbytes / MB:.2f} MB counted"
    assert held <= MNIST_SESSION_LIMIT, f"held {held / MB:.2f} MB after the play"
    assert peak <= MNIST_SESSION_LIMIT, f"peak {peak / MB:.2f} MB during the play"
    assert after_back - base <= MNIST_SESSION_LIMIT
    # Back stayed exact: the same parameters as a plain run to that iteration
    ref = bp.Session(cfg)
    ref.run(s.iteration)
    np.testing.assert_array_equal(s.net.flatten(), ref.net.flatten())
