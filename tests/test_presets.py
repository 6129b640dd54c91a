"""Presets that teach: XOR, the teaching material's 2-3-1 sigmoid network, visibly solves XOR at its
default settings from its default seed."""

from __future__ import annotations

import numpy as np

import backprop_core as bp
from backprop_core.presets import PRESETS

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
SOLVED_BY = 300


def test_xor_preset_is_the_teaching_network():
    cfg = PRESETS["xor"]
    assert (cfg.dataset, cfg.hidden, cfg.hidden_act, cfg.output_act) == ("xor", (3,), "sigmoid", "sigmoid")
    s = bp.Session(cfg)
    assert s.net.sizes == (2, 3, 1)
    # the training set is the four rows of the truth table
    assert sorted(map(tuple, s.dataset.X_train)) == sorted(map(tuple, XOR_X))


def test_xor_preset_reaches_100_percent_training_accuracy_within_300_iterations():
    s = bp.Session(PRESETS["xor"])
    assert s.run(SOLVED_BY) == SOLVED_BY
    acc = s.history.column("train_acc")  # row k: the network iteration k starts from, on the whole set
    solved = np.flatnonzero(acc >= 1.0)
    assert solved.size, f"never 100 % in {SOLVED_BY} iterations (last {acc[-1]:.0%})"
    first = int(s.history.column("iteration")[solved[0]])
    assert first <= SOLVED_BY
    assert (acc[solved[0]:] >= 1.0).all()  # and it stays solved
    # independently of the history: the final network classifies the truth table by hand
    out = s.net.forward(XOR_X).output.ravel()
    assert np.array_equal((out > 0.5).astype(int), XOR_Y), out


def test_readme_states_the_xor_preset_as_it_is():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    m = re.search(r"the default `xor`, the 2-3-1 sigmoid network with MSE on the\s+four rows of XOR's truth "
                  r"table, SGD at learning rate (\S+), Xavier initialisation, seed (\d+): 100 % training\s+"
                  r"accuracy from iteration (\d+) on", readme)
    assert m, "the README no longer describes the xor preset"
    cfg = PRESETS["xor"]
    assert (float(m.group(1)), int(m.group(2)), cfg.optimizer, cfg.loss, cfg.init) == (cfg.lr, cfg.seed, "sgd",
                                                                                       "mse", "xavier")
    s = bp.Session(cfg)
    s.run(SOLVED_BY)
    acc = s.history.column("train_acc")
    assert int(s.history.column("iteration")[np.flatnonzero(acc >= 1.0)[0]]) == int(m.group(3))
