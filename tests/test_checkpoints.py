"""Checkpoints on their own: the one size formula, the caps, thinning with a doubling stride that
keeps the floor, and the lookup Back uses. States here are real ``State`` records of one small network."""

from __future__ import annotations

import numpy as np
import pytest

import backprop_core as bp
from backprop_core.checkpoints import MIN_RECENT, MIN_THINNED, Checkpoints, state_nbytes
from backprop_core.optimizers import OptState
from backprop_core.session import State

NET = bp.Network([2, 3, 1])  # 13 parameters: 104 bytes
N_PARAMS = 13


def state(i: int, slots: int = 0) -> State:
    zeros = tuple(tuple(np.zeros_like(p) for p in (NET.weights[0], NET.biases[0], NET.weights[1], NET.biases[1]))
                  for _ in range(slots))
    return State(i, 0, 0, NET, OptState(i, zeros), ("sgd", "momentum", "adam")[slots])


def fill(c: Checkpoints, start: int, stop: int, slots: int = 0) -> None:
    for i in range(start, stop):
        c.push(state(i, slots))


def test_state_nbytes_counts_the_slots_present():
    assert NET.spec.n_params == N_PARAMS
    assert state_nbytes(state(0, 0)) == 13 * 8
    assert state_nbytes(state(0, 1)) == 13 * 8 * 2
    assert state_nbytes(state(0, 2)) == 13 * 8 * 3
    # the slots really hold that many numbers
    st = state(0, 2)
    assert sum(a.size for slot in st.opt_state.slots for a in slot) == 2 * N_PARAMS


def test_count_caps_thinning_doubles_the_stride_and_keeps_the_floor():
    c = Checkpoints(state(0), budget_bytes=10**9, max_recent=5, max_thinned=8)
    fill(c, 0, 100)  # pushes the states iterations 0..99 leave
    assert c.n_recent == 5 and [s.iteration for s in c._recent] == [95, 96, 97, 98, 99]
    # thinned: 0..8 overflows 8 -> stride 2 (0,2,4,6,8), ... each overflow doubles; 0 always kept
    its = sorted(i for i in c._thinned)
    assert c.stride == 16 and its == [0, 16, 32, 48, 64, 80, 96]
    assert len(its) <= 8


def test_a_floor_off_the_stride_is_kept():
    c = Checkpoints(state(7), budget_bytes=10**9, max_recent=2, max_thinned=8)
    fill(c, 7, 60)
    assert c.floor == 7
    assert 7 in c._thinned and all(i == 7 or i % c.stride == 0 for i in c._thinned)
    assert c.stride == 8 and sorted(c._thinned) == [7, 8, 16, 24, 32, 40, 48, 56]


def test_the_byte_budget_caps_each_half():
    per = 13 * 8
    c = Checkpoints(state(0), budget_bytes=2 * 10 * per)  # half the budget: 10 states of SGD
    fill(c, 0, 200)
    assert c.n_recent == 10 and c.n_thinned <= 10
    assert c.nbytes <= c.budget_bytes
    adam = Checkpoints(state(0, 2), budget_bytes=2 * 10 * per)  # 3 x the bytes: 3 states, but at least 4
    fill(adam, 0, 200, slots=2)
    assert adam.n_recent == MIN_RECENT and adam.n_thinned <= MIN_THINNED  # the floors win over the bytes


def test_a_change_of_optimizer_stays_within_the_budget():
    per = 13 * 8
    c = Checkpoints(state(0), budget_bytes=2 * 30 * per)
    fill(c, 0, 100)  # SGD: 30 recent states fit half the budget
    assert c.n_recent == 30
    fill(c, 100, 300, slots=2)  # Adam from here: a state is 3x bigger, so only 10 fit
    assert c.n_recent == 10 and c._recent_bytes == 10 * 3 * per
    assert c.nbytes <= c.budget_bytes


def test_nbytes_is_the_sum_of_the_kept_states():
    c = Checkpoints(state(0), budget_bytes=10**9, max_recent=6, max_thinned=5)
    fill(c, 0, 30, slots=1)
    c.push(state(30, 0))
    kept = list(c._recent) + list(c._thinned.values())
    assert c.nbytes == sum(state_nbytes(s) for s in kept)
    c.restore(27)
    kept = list(c._recent) + list(c._thinned.values())
    assert c.nbytes == sum(state_nbytes(s) for s in kept)


def test_restore_returns_the_nearest_earlier_state_and_drops_later_ones():
    c = Checkpoints(state(0), budget_bytes=10**9, max_recent=4, max_thinned=8)
    fill(c, 0, 40)  # recent: 36..39; thinned with stride 8: 0, 8, 16, 24, 32
    assert sorted(c._thinned) == [0, 8, 16, 24, 32] and [s.iteration for s in c._recent] == [36, 37, 38, 39]
    assert c.restore(38).iteration == 38  # a recent one: found exactly, and taken out of the recent ones
    assert [s.iteration for s in c._recent] == [36, 37]
    assert c.restore(35).iteration == 32  # between recent and thinned: the thinned one before
    assert c.n_recent == 0 and sorted(c._thinned) == [0, 8, 16, 24, 32]
    assert c.restore(20).iteration == 16
    assert sorted(c._thinned) == [0, 8, 16]  # later ones are gone: a replay from 16 keeps them again
    assert c.restore(0).iteration == 0 and sorted(c._thinned) == [0]


def test_restart_and_copy_are_independent():
    c = Checkpoints(state(0), budget_bytes=10**9)
    fill(c, 0, 10)
    d = c.copy()
    fill(d, 10, 20)
    assert c.n_recent == 10 and d.n_recent == 20
    c.restart_at(state(5))
    assert c.floor == 5 and c.n_recent == 0 and list(c._thinned) == [5] and c.nbytes == 13 * 8
    assert d.floor == 0 and d.n_recent == 20


@pytest.mark.parametrize("n_params,slots", [(79_510, 0), (79_510, 2)])
def test_a_bigger_budget_is_a_constructor_argument(n_params, slots):
    """The later 784-100-10 network (79,510 parameters) with a 25 MB budget: what it keeps."""
    net = bp.Network([784, 100, 10], init="zeros")
    assert net.spec.n_params == n_params
    opt = bp.make_optimizer(("sgd", "momentum", "adam")[slots], 0.1)
    st0 = State(0, 0, 0, net, opt.init(net), opt.name)
    c = Checkpoints(st0, budget_bytes=25_000_000)
    for i in range(100):
        c.push(State(i, 0, 0, net, st0.opt_state, opt.name))
    per = n_params * 8 * (1 + slots)
    assert c.n_recent == max(MIN_RECENT, 12_500_000 // per)
    assert c.nbytes <= 25_000_000
