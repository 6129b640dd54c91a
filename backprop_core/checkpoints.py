"""Parameter checkpoints for Back and trajectories, within a byte budget.

Two kinds, each allowed half the budget:
- recent: the last states, one per iteration (Back is a lookup there);
- thinned: every ``stride``-th iteration's state, the stride doubling whenever they outgrow their half
  (Back further than the recent ones replays forward from the nearest earlier thinned state).
The floor (iteration 0, or where a hand edit or a loaded run began) is always kept.

One formula sizes a state, ``state_nbytes``: its parameters plus the optimizer slots it actually holds
(SGD none, momentum one, Adam two), 8 bytes a number. The caps count those bytes, so a state with fewer
slots lets more be kept, and a mid-run change of optimizer cannot push the total past the budget.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: session.py imports this module
    from .session import State

CHECKPOINT_BUDGET_BYTES = 4_000_000
MAX_RECENT = 64
MAX_THINNED = 256
MIN_RECENT = 4  # kept whatever their size: Back over the last few iterations stays a lookup
MIN_THINNED = 8


def state_nbytes(st: State) -> int:
    """Bytes of one checkpointed state: parameters and optimizer slots, float64 each."""
    return st.net.spec.n_params * 8 * (1 + len(st.opt_state.slots))


class Checkpoints:
    """The kept states of one run. ``budget_bytes`` is shared half and half by the recent and the
    thinned states (at least ``MIN_RECENT`` and ``MIN_THINNED`` are kept, at most ``max_recent``
    and ``max_thinned``)."""

    def __init__(self, state0: State, budget_bytes: int | None = None, max_recent: int | None = None,
                 max_thinned: int | None = None) -> None:
        # None: the module's value at construction time (tests shrink them to reach thinning sooner)
        self.budget_bytes = CHECKPOINT_BUDGET_BYTES if budget_bytes is None else int(budget_bytes)
        self.max_recent = MAX_RECENT if max_recent is None else int(max_recent)
        self.max_thinned = MAX_THINNED if max_thinned is None else int(max_thinned)
        self.restart_at(state0)

    def restart_at(self, st: State) -> None:
        """Forget every kept state: ``st`` becomes the only one, and the floor."""
        self._recent: deque[State] = deque()
        self._recent_bytes = 0
        self._thinned: dict[int, State] = {st.iteration: st}
        self._thinned_bytes = state_nbytes(st)
        self.stride = 1
        self.floor = st.iteration

    # -- keeping -----------------------------------------------------------------------------------
    def push(self, st: State) -> None:
        """Keep ``st``, the state an iteration is about to leave (iterations arrive in order)."""
        half = self.budget_bytes // 2
        self._recent.append(st)
        self._recent_bytes += state_nbytes(st)
        while len(self._recent) > self.max_recent or (len(self._recent) > MIN_RECENT and self._recent_bytes > half):
            self._recent_bytes -= state_nbytes(self._recent.popleft())
        if st.iteration % self.stride == 0 or st.iteration == self.floor:
            old = self._thinned.get(st.iteration)
            self._thinned[st.iteration] = st
            self._thinned_bytes += state_nbytes(st) - (state_nbytes(old) if old is not None else 0)
            n = len(self._thinned)
            if n > self.max_thinned or (n > MIN_THINNED and self._thinned_bytes > half):
                self.stride *= 2
                self._keep_thinned(lambda k: k % self.stride == 0 or k == self.floor)

    def _keep_thinned(self, keep) -> None:  # noqa: ANN001
        self._thinned = {k: v for k, v in self._thinned.items() if keep(k)}
        self._thinned_bytes = sum(map(state_nbytes, self._thinned.values()))

    # -- looking up ----------------------------------------------------------------------------------
    def restore(self, k: int) -> State:
        """The kept state nearest at or before iteration k; every kept state after it is dropped (and
        it leaves the recent ones: the replay from it keeps it again). The floor is always there."""
        while self._recent and self._recent[-1].iteration > k:
            self._recent_bytes -= state_nbytes(self._recent.pop())
        if self._recent and self._recent[-1].iteration == k:
            st = self._recent.pop()
            self._recent_bytes -= state_nbytes(st)
        else:
            st = self._thinned[max(i for i in self._thinned if i <= k)]
        if max(self._thinned) > st.iteration:
            self._keep_thinned(lambda i: i <= st.iteration)
        return st

    def states(self) -> dict[int, State]:
        """Every kept state by iteration (for trajectories)."""
        return {st.iteration: st for st in list(self._thinned.values()) + list(self._recent)}

    def copy(self) -> Checkpoints:
        """An independent copy (the states themselves are immutable and shared)."""
        new = object.__new__(Checkpoints)
        new.__dict__.update(self.__dict__)
        new._recent = deque(self._recent)
        new._thinned = dict(self._thinned)
        return new

    @property
    def n_recent(self) -> int:
        return len(self._recent)

    @property
    def n_thinned(self) -> int:
        return len(self._thinned)

    @property
    def nbytes(self) -> int:
        """Bytes of the kept states, by ``state_nbytes`` (a state kept both as recent and as thinned
        counts twice: the bound is then an overestimate, never an under-count)."""
        return self._recent_bytes + self._thinned_bytes
