"""move_in_plane and fit_half_widths: the loss-landscape page's click and window rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop_core import Network
from backprop_core.landscape import (
    Plane,
    fit_half_widths,
    move_in_plane,
    param_index,
    param_plane,
    project,
    random_plane,
)
from backprop_core.presets import WORKED_BIASES, WORKED_WEIGHTS


def worked() -> Network:
    return Network((2, 2, 2), weights=WORKED_WEIGHTS, biases=WORKED_BIASES)


def test_move_on_a_parameter_plane_sets_exactly_the_two_weights():
    net = worked()
    i5, i6 = param_index(net, 1, "W", 0, 0), param_index(net, 1, "W", 1, 0)
    plane = param_plane(net, i5, i6)  # origin: the worked weights, w5 = 0.40, w6 = 0.45
    theta = net.flatten().copy()
    theta[0] = 0.9  # the ball is somewhere else in the other coordinates: they must stay there
    out = move_in_plane(plane, theta, 0.01, -0.65)
    assert out[i5] == pytest.approx(0.41, abs=1e-15)
    assert out[i6] == pytest.approx(-0.20, abs=1e-15)
    keep = np.ones(net.spec.n_params, bool)
    keep[[i5, i6]] = False
    np.testing.assert_array_equal(out[keep], theta[keep])
    assert net.unflatten(out).weights[1][0, 0] == pytest.approx(0.41)


def test_move_on_a_random_plane_lands_on_the_plane_point_and_projects_back():
    net = worked()
    plane = random_plane(net, seed=3)  # not orthogonal: project is least squares
    on_plane = plane.point(0.2, -0.1)
    np.testing.assert_allclose(move_in_plane(plane, on_plane, -0.7, 0.35), plane.point(-0.7, 0.35), atol=1e-14)
    off = on_plane + np.linspace(-0.3, 0.3, net.spec.n_params)
    moved = move_in_plane(plane, off, 0.5, 0.25)
    np.testing.assert_allclose(project(plane, moved), [0.5, 0.25], atol=1e-12)
    # only d1 and d2 were added: the part of theta off the plane is unchanged
    D = np.stack([plane.d1, plane.d2], axis=1)
    resid = lambda v: v - plane.origin - D @ np.linalg.lstsq(D, v - plane.origin, rcond=None)[0]  # noqa: E731
    np.testing.assert_allclose(resid(moved), resid(off), atol=1e-12)


def test_move_in_an_orthonormal_plane_by_hand():
    d1, d2 = np.array([0.6, 0.8, 0.0]), np.array([0.0, 0.0, 1.0])
    plane = Plane(d1, d2, np.array([1.0, 1.0, 1.0]), "pca")
    # theta - origin = (3, 4, 2): coordinates (0.6*3 + 0.8*4, 2) = (5, 2)
    out = move_in_plane(plane, np.array([4.0, 5.0, 3.0]), 0.0, 0.0)
    np.testing.assert_allclose(out, [4.0 - 3.0, 5.0 - 4.0, 1.0])


def test_fit_half_widths_keeps_the_base_until_a_point_leaves_then_doubles():
    assert fit_half_widths((1.0, 2.0), None) == (1.0, 2.0)
    assert fit_half_widths((1.0, 2.0), np.array([[0.89, -1.79]])) == (1.0, 2.0)
    # 0.91 > 0.9 * 1: one doubling; -3.7 needs 3.7 / 1.8 = 2.06 -> two doublings (x4)
    assert fit_half_widths((1.0, 2.0), np.array([[0.91, 0.0], [0.0, -3.7]])) == (2.0, 8.0)
    # exactly on the edge of the fill stays
    assert fit_half_widths((0.5, 0.5), np.array([[0.45, -0.45]])) == (0.5, 0.5)


def test_fit_half_widths_ignores_non_finite_points_and_rejects_bad_bases():
    pts = np.array([[np.nan, 0.1], [np.inf, 0.2], [0.3, 0.4]])
    assert fit_half_widths((1.0, 1.0), pts) == (1.0, 1.0)
    for bad in ((0.0, 1.0), (1.0, -1.0), (math.inf, 1.0)):
        with pytest.raises(ValueError):
            fit_half_widths(bad, pts)


@pytest.mark.parametrize("reach", [0.05, 0.9, 1.0, 3.3, 250.0])
def test_fit_half_widths_is_the_smallest_power_of_two(reach):
    a, _ = fit_half_widths((1.0, 1.0), np.array([[reach, 0.0]]))
    assert reach <= 0.9 * a + 1e-12
    assert a == 1.0 or reach > 0.9 * a / 2
    assert math.log2(a) == int(math.log2(a))


def test_click_coordinates_reads_what_the_browser_sends():
    from viz.landscape import click_coordinates

    # plotly serialises numpy customdata as a typed array; the browser returns it as {"0": a, "1": b}
    browser = [{"curve_number": 2, "x": 1.1e-16, "y": 0.05, "customdata": {"0": 1.1e-16, "1": 0.05}}]
    assert click_coordinates(browser) == (1.1e-16, 0.05)
    assert click_coordinates([{"x": 0.3, "y": -0.1, "customdata": [0.41, -0.2, 9.0]}]) == (0.41, -0.2)
    assert click_coordinates([{"x": 0.3, "y": -0.1}]) == (0.3, -0.1)  # the path or the star: its x, y
    assert click_coordinates([{"x": None, "y": 1.0}, {"x": float("nan"), "y": 0}, {"x": 2, "y": 3}]) == (2.0, 3.0)
    assert click_coordinates([]) is None and click_coordinates(None) is None


def test_surface_z_axis_spans_the_surface_not_the_cone():
    from viz.landscape import landscape_figure

    a = np.linspace(-1, 1, 11)
    S = 0.13 + 0.01 * (a[None, :] + a[:, None])  # 0.11 .. 0.15: a loss axis far shorter than the weight axes
    fig = landscape_figure(a, a, S, mode="surface", current=(0.3, 0.2), arrow=((0.3, 0.2), (-0.2, -0.3)))
    lo, hi = fig.layout.scene.zaxis.range
    assert lo == pytest.approx(0.11 - 0.002) and 0.15 < hi < 0.16
    assert any(t.type == "cone" for t in fig.data)
