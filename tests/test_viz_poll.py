"""viz.poll: the class's answers binned so every answer is counted once and the truth is in range."""

from __future__ import annotations

import numpy as np
import pytest

from viz.poll import MAX_BINS, poll_bins, poll_figure


def test_hand_counted_bins():
    edges, counts = poll_bins([0.1, 0.2, 0.2, 0.9], truth=0.5)
    assert edges[0] == pytest.approx(0.1) and edges[-1] == pytest.approx(0.9)
    assert len(counts) == 4 and counts.tolist() == [3, 0, 0, 1]  # width 0.2: [0.1,0.3) holds three


@pytest.mark.parametrize("answers,truth", [([], 0.3), ([5.0] * 7, 5.0), ([1e-9, 2e-9], -1e-9),
                                           (list(np.linspace(-3, 3, 400)) + [1e11], 0.25)])
def test_every_answer_counted_once_and_truth_inside(answers, truth):
    edges, counts = poll_bins(answers, truth)
    assert counts.sum() == len(answers) and 1 <= len(counts) <= MAX_BINS
    assert edges[0] <= truth <= edges[-1] and np.all(np.diff(edges) > 0)


def test_the_correct_value_shows_only_once_revealed_and_directions_are_two_bars():
    hidden = poll_figure([0.4, 0.6], 0.5, "forward", revealed=False)
    shown = poll_figure([0.4, 0.6], 0.5, "forward", revealed=True)
    assert not hidden.layout.shapes and shown.layout.shapes[0].x0 == 0.5
    assert "2 answered" in shown.layout.title.subtitle.text
    d = poll_figure([1.0, 1.0, -1.0], -0.02, "update", revealed=True)
    assert list(d.data[0].y) == [2, 1]
