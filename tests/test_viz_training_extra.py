"""Builders added for the Training and Weights pages: readable log-axis ticks, the digit and filter
mosaics (one Heatmap instead of one per image), and the one-go figure styling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop_core import PRESETS, Session
from viz import training as vt
from viz import weights as vw
from viz.palette import FONT, NEGATIVE, TEXT


@pytest.fixture(scope="module")
def digits() -> Session:
    s = Session(PRESETS["digits_fast"])
    s.run(8)
    return s


# -- log ticks -----------------------------------------------------------------------------------------
def test_log_ticks_pick_readable_values_inside_the_range():
    assert vt.log_ticks(0.09, 0.8) == ([0.1, 0.2, 0.5], ["0.1", "0.2", "0.5"])
    vals, text = vt.log_ticks(1e-3, 5e-2)
    assert vals == [0.001, 0.002, 0.005, 0.01, 0.02, 0.05] and text[0] == "0.001"
    vals, text = vt.log_ticks(2e-5, 3e-4)
    assert vals == [2e-5, 5e-5, 1e-4, 2e-4] and text == ["2\u00d710\u207b\u2075", "5\u00d710\u207b\u2075",
                                                        "10\u207b\u2074", "2\u00d710\u207b\u2074"]
    vals, _ = vt.log_ticks(1e-12, 10.0)  # 14 powers of ten: every other one, at most 8
    assert len(vals) <= 8 and vals[0] == 1e-12 and all(math.log10(v) % 2 == 0 for v in vals)
    assert vt.log_ticks(0.126, 0.131) == ([], [])  # no two readable values inside: plotly chooses
    assert vt.log_ticks(0.0, 1.0) == ([], []) and vt.log_ticks(1.0, math.inf) == ([], [])


def test_gradient_health_and_log_loss_axes_carry_the_ticks(digits):
    h = digits.history
    fig = vt.gradient_health(h, 2)
    for axis, prefix in ((fig.layout.yaxis, "grad_norm"), (fig.layout.yaxis2, "ratio")):
        y = np.concatenate([h.column(f"{prefix}_{l}") for l in (1, 2)])
        lo, hi = y.min(), y.max()
        if prefix == "ratio":
            lo, hi = min(lo, vt.RATIO_REFERENCE), max(hi, vt.RATIO_REFERENCE)
        assert axis.type == "log"
        assert list(axis.tickvals) == vt.log_ticks(lo, hi)[0] and len(axis.tickvals) >= 2
    assert fig.layout.xaxis.matches == "x2" and fig.layout.xaxis2.title.text == "iteration"
    xor = Session(PRESETS["xor"].replace(lr=10.0))
    xor.run(300)  # the loss falls over more than a decade
    loss = vt.loss_curves(xor.history, log_y=True)
    y = np.concatenate([np.asarray(t.y) for t in loss.data])
    expected = vt.log_ticks(y.min(), y.max())[0]
    assert loss.layout.yaxis.type == "log" and len(expected) >= 3 and list(loss.layout.yaxis.tickvals) == expected
    assert vt.loss_curves(xor.history).layout.yaxis.tickvals is None


# -- mosaics -------------------------------------------------------------------------------------------
def tile(z: np.ndarray, k: int, side: int = 8, cols: int = 8) -> np.ndarray:
    r0, c0 = vt.tile_origin(k, side, cols)
    return z[r0:r0 + side, c0:c0 + side]


def test_mosaic_geometry():
    assert vt.mosaic_layout(24, 8, 8) == (3 * 11, 8 * 9 - 1)
    assert vt.mosaic_layout(3, 8, 8) == (11, 3 * 9 - 1)
    assert vt.tile_origin(0, 8, 8) == (3, 0) and vt.tile_origin(9, 8, 8) == (14, 9)


def test_digit_mosaic_tiles_titles_and_mistakes(digits):
    ds = digits.dataset
    probs = digits.net.predict(ds.X_test)
    pred, true = probs.argmax(axis=1), ds.labels("test")
    pred[2] = (true[2] + 1) % 10  # make sure at least one shown prediction is wrong
    fig = vt.digit_mosaic(ds.X_test, true, pred, probs, n=24)
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    z = np.asarray(fig.data[0].z, dtype=float)
    for k in (0, 2, 23):
        np.testing.assert_array_equal(tile(z, k), ds.X_test[k].reshape(8, 8))
    assert np.isfinite(z).sum() == 24 * 64 and fig.data[0].hoverongaps is False
    info = np.asarray(fig.data[0].customdata)
    r0, c0 = vt.tile_origin(10, 8, 8)
    np.testing.assert_array_equal(info[r0 + 2, c0 + 5], [11, 3, 6])  # tile 11, row 3, column 6 (1-based)
    wrong = np.flatnonzero(pred[:24] != true[:24])
    assert 2 in wrong and len(fig.layout.shapes) == len(wrong)
    r0, c0 = vt.tile_origin(2, 8, 8)
    frame = [s for s in fig.layout.shapes if s.x0 == c0 - 0.5][0]
    assert (frame.y0, frame.x1, frame.y1, frame.line.color) == (r0 - 0.5, c0 + 7.5, r0 + 7.5, NEGATIVE)
    for k, ann in enumerate(fig.layout.annotations):
        assert ann.font.color == (NEGATIVE if k in wrong else TEXT)
        assert f"{probs[k, pred[k]]:.0%}" in ann.text and ann.font.size >= FONT["small"]
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]


def test_filter_mosaic_shares_one_symmetric_scale(digits):
    W1 = np.asarray(digits.net.weights[0])  # (64, 32)
    fig = vt.filter_mosaic(W1, max_units=20)
    top = float(np.abs(W1[:, :20]).max())
    tr = fig.data[0]
    assert (tr.zmin, tr.zmax, tr.zmid) == (-top, top, 0.0)
    z = np.asarray(tr.z, dtype=float)
    for j in (0, 7, 19):
        np.testing.assert_array_equal(tile(z, j), W1[:, j].reshape(8, 8))
    assert np.isfinite(z).sum() == 20 * 64
    assert "first 20 of 32" in fig.layout.title.subtitle.text
    assert [a.text for a in fig.layout.annotations][:3] == ["unit 1", "unit 2", "unit 3"]
    with pytest.raises(ValueError):
        vt.filter_mosaic(np.zeros((5, 3)))


def test_new_and_rebuilt_figures_stay_readable_on_a_projector(digits):
    ds = digits.dataset
    probs = digits.net.predict(ds.X_test)
    xx, yy, g = vt.input_grid(np.array([[0.0, 0.0], [1.0, 1.0]]), resolution=10)
    figs = [vt.digit_mosaic(ds.X_test, ds.labels("test"), probs.argmax(axis=1), probs),
            vt.filter_mosaic(digits.net.weights[0]), vt.gradient_health(digits.history, 2),
            vt.hidden_units_grid(np.random.default_rng(0).normal(size=(100, 5)), xx, yy),
            vw.weight_heatmaps(digits.net.weights, ["W1", "W2"]), vw.weight_lines([0, 1], {"w": [0.1, 0.2]})]
    for fig in figs:
        assert fig.layout.uirevision and fig.layout.font.size >= 16 and fig.layout.title.font.size >= 16
        for ax in [a for a in fig.layout if a.startswith(("xaxis", "yaxis"))]:
            assert fig.layout[ax].tickfont.size >= FONT["small"], ax
        for ann in fig.layout.annotations:
            assert ann.font.size >= FONT["small"]
    units = figs[3]  # 5 units in a 2 x 3 grid: no empty sixth panel with axes
    assert len(units.data) == 5 and len([a for a in units.layout if a.startswith("xaxis")]) == 5


def test_weight_heatmap_numbers_keep_three_significant_digits():
    fig = vw.weight_heatmaps([np.array([[0.000577, -1.5]]), np.array([[2.0], [3.0]])], ["a", "b"])
    assert fig.data[0].texttemplate == "%{z:.3g}" and fig.data[0].colorbar.tickformat == ".2~g"
    d = [fig.layout.xaxis.domain, fig.layout.xaxis2.domain]
    assert d[0][0] == 0.0 and d[1][1] == pytest.approx(1.0) and d[1][0] - d[0][1] == pytest.approx(0.06)
    lines = vw.weight_lines([0, 1, 2], {"w": [0.1, -0.2, 0.3]})
    assert [(s.y0, s.y1) for s in lines.layout.shapes] == [(0, 0)]  # the zero line
