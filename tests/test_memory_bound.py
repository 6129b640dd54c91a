"""A long play keeps memory bounded: 5,000 iterations on XOR (full batch) and on digits (mini-batches).

Two bounds, neither a timing:
- ``Session.nbytes`` (history + parameter checkpoints) stays under a bound stated from the session's
  own caps: checkpoints at most ``CHECKPOINT_BUDGET_BYTES`` plus a few states, history at most twice
  the rows it holds (its arrays grow by doubling) and never more than ``MAX_HISTORY_ROWS`` rows;
- tracemalloc's peak of newly allocated memory between iteration 2,500 and 5,000 stays small: the
  second half of a play only appends history rows and recycles checkpoints.
"""

from __future__ import annotations

import tracemalloc

import pytest

import backprop_core as bp
from backprop_core.checkpoints import CHECKPOINT_BUDGET_BYTES, MAX_RECENT, MAX_THINNED, state_nbytes
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
    """Checkpoints within their budget and their count caps (plus the current state and one spare),
    and the history's arrays at most twice the rows they hold (they grow by doubling)."""
    per = state_bytes(s)
    checkpoints = min(CHECKPOINT_BUDGET_BYTES, (MAX_RECENT + MAX_THINNED) * per) + 2 * per
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
