"""Every setting at the ends of its range, in absurd combinations: the run builds, steps and reports divergence
(never raises), a click's work is capped, and the app shows the divergence as a plain notice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.config import FIELD_BY_NAME, MAX_HIDDEN_LAYERS, MAX_WIDTH, make_consistent
from ui import actions
from ui.i18n import translate
from ui.state import KEY, AppState

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CODES = ("nonfinite_loss", "nonfinite_params", "exploded")


@st.composite
def extreme_config(draw) -> bp.Config:
    """Each field at an end of its allowed range (or any of its choices); big networks get little data so that
    hundreds of cases stay quick (the work per click is tested on its own below)."""
    ends = lambda lo, hi: st.sampled_from((lo, hi))  # noqa: E731
    hidden = tuple(draw(st.lists(st.sampled_from((1, 2, MAX_WIDTH)), max_size=MAX_HIDDEN_LAYERS)))
    dataset = draw(st.sampled_from(tuple(bp.DATASETS)))
    n_samples = draw(ends(20, 2000))
    if sum(w for w in hidden if w == MAX_WIDTH) > MAX_WIDTH or (MAX_WIDTH in hidden and bp.image_side(dataset)):
        n_samples = 20  # two or more wide layers, or a wide one on 64 or 784 pixels: the smallest data
    cfg = bp.Config(
        dataset=dataset, n_samples=n_samples, noise=draw(ends(0.0, 1.0)), test_ratio=draw(ends(0.0, 0.5)),
        standardize=draw(st.booleans()), hidden=hidden,
        hidden_act=draw(st.sampled_from(bp.HIDDEN_ACTIVATIONS)),
        output_act=draw(st.sampled_from(tuple(bp.ACTIVATIONS))),
        loss=draw(st.sampled_from(tuple(bp.LOSSES))), optimizer=draw(st.sampled_from(tuple(bp.OPTIMIZERS))),
        lr=draw(ends(1e-5, 10.0)), beta=draw(ends(0.0, 0.999)), beta1=draw(ends(0.0, 0.999)),
        beta2=draw(ends(0.0, 0.99999)), eps=draw(ends(1e-12, 1e-2)),
        batch=draw(st.sampled_from(("full", "mini", "single"))),
        batch_size=draw(ends(1, 1024)), reg=draw(st.sampled_from(bp.REGULARIZATIONS)), reg_rate=draw(ends(0.0, 1.0)),
        init=draw(st.sampled_from(bp.config.INIT_CHOICES)), train_biases=draw(st.booleans()),
        seed=draw(ends(0, 2**31 - 1)),
    )
    return make_consistent(cfg)[0]


def click_work(s: bp.Session) -> float:
    """Multiply-adds of one iteration, counted from the arrays themselves: 6 per parameter and batch row."""
    n_params = sum(w.size + b.size for w, b in zip(s.net.weights, s.net.biases))
    n = s.dataset.n_train
    batch = {"full": n, "single": 1}.get(s.config.batch, min(s.config.batch_size, n))
    return 6.0 * n_params * batch


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extreme_config())
def test_extreme_settings_build_step_and_report_divergence_instead_of_raising(cfg):
    assert all(f.check(getattr(cfg, f.name)) for f in FIELD_BY_NAME.values())
    s = bp.Session(cfg)
    for _ in s.phases:  # Next phase through one whole iteration
        s.next_phase()
    s.back()
    done = s.run(3)
    if s.diverged is None:
        assert s.iteration == 3 and done == 3
    else:  # stopped before committing the bad iteration: what is kept is finite
        assert s.diverged.code in CODES and s.diverged.iteration == s.iteration + 1
        assert s.diverged.message and f"{cfg.lr:g}" in s.diverged.message
        frozen = s.net.flatten().copy()
        assert s.run(5) == 0 and np.array_equal(s.net.flatten(), frozen)  # no half-taken step afterwards
    assert all(np.isfinite(a).all() for a in (*s.net.weights, *s.net.biases))
    assert np.isfinite(s.history.column("loss")).all()
    k = actions.capped(s, 10)  # one click's iterations fit the budget (or it is the single one)
    assert 1 <= k <= 10
    assert k * click_work(s) <= actions.CLICK_FLOP_BUDGET or k == 1


def test_step_x10_on_the_biggest_digits_network_takes_one_iteration_and_returns():
    cfg = bp.Config(dataset="digits", n_samples=1797, hidden=(MAX_WIDTH,) * MAX_HIDDEN_LAYERS, output_act="softmax",
                    loss="ce", hidden_act="relu", init="he", lr=0.01)
    app = AppState(session=bp.Session(cfg))
    # 64*256 + 5*256*256 + 256*10 weights, 6*256 + 10 biases; 1438 training rows, full batch
    work = 6.0 * (64 * 256 + 5 * 256 * 256 + 256 * 10 + 6 * 256 + 10) * 1438
    assert click_work(app.session) == work > actions.CLICK_FLOP_BUDGET
    assert actions.capped(app.session, 10) == 1
    actions.step(app, 10)  # what the Step x10 button's callback does
    assert app.session.iteration == 1 and app.session.diverged is None
    single = bp.Session(cfg.replace(batch="single"))  # one row per iteration: all ten fit the budget
    assert actions.capped(single, 10) == 10


def sine_linear(lr: float) -> bp.Session:
    return bp.Session(bp.Config(dataset="sine", hidden=(), output_act="linear", loss="mse", lr=lr))


def design(s: bp.Session) -> np.ndarray:
    """[x 1]: the inputs of the training set with a column of ones for the bias, shape (n, 2)."""
    return np.column_stack([s.dataset.X_train, np.ones(s.dataset.n_train)])


def critical_lr(s: bp.Session) -> float:
    """2 / largest eigenvalue of the Hessian of (1/2n)·Σ(xw + b - y)² in (w, b): plain gradient descent on this
    quadratic diverges above it and converges below it."""
    X = design(s)
    return 2.0 / np.linalg.eigvalsh(X.T @ X / s.dataset.n_train).max()


def test_sine_regression_with_a_linear_output_diverges_at_lr_10_exactly_as_theory_says():
    s = sine_linear(10.0)
    assert 10.0 > 5 * critical_lr(s)  # x in [-π, π]: the critical rate is about 0.6
    s.run(100)
    assert s.diverged is not None and s.diverged.code in CODES and s.diverged.iteration <= 40
    assert np.isfinite(s.net.flatten()).all()
    # just below the critical rate the same run settles on the least-squares line instead
    calm = sine_linear(0.9 * critical_lr(s))
    calm.run(200)
    loss = calm.history.column("loss")
    _, residual, _, _ = np.linalg.lstsq(design(calm), calm.dataset.Y_train, rcond=None)
    best = residual[0] / (2 * calm.dataset.n_train)
    assert calm.diverged is None and np.all(np.diff(loss) <= 1e-12)
    assert loss[-1] == pytest.approx(best, rel=1e-9)


# -- end to end ----------------------------------------------------------------------------------------
ABSURD = {"dataset": "sine", "hidden": "", "output_act": "linear", "loss": "mse", "lr": "10", "seed": "2147483647"}


def fresh(params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str, lang: str = "en") -> AppTest:
    next(b for b in at.button if b.label == translate(key, lang)).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_diverging_link_shows_a_plain_divergence_notice_after_step_x10(lang):
    at = fresh({**ABSURD, "lang": lang})
    assert not at.error
    click(at, "step.step10", lang)
    s = at.session_state[KEY].session
    expected = bp.Session(bp.config.decode(ABSURD)[0])
    expected.run(10)
    assert s.diverged == expected.diverged and s.iteration == expected.iteration
    d = s.diverged
    text = translate("status.diverged", lang, it=d.iteration, what=translate(f"div.{d.code}", lang), lr="10")
    assert [e.value for e in at.error] == [text]
    for key in ("step.step", "step.step10", "step.next"):  # stepping on is disabled until something changes
        assert next(b for b in at.button if b.label == translate(key, lang)).disabled


def test_the_biggest_network_at_absurd_settings_renders_and_steps_within_the_click_cap():
    params = {"dataset": "digits", "n_samples": "1797", "hidden": "256-256-256-256-256-256", "lr": "10",
              "optimizer": "adam", "eps": "1e-12", "beta1": "0", "batch": "full", "seed": "2147483647"}
    at = fresh(params)
    s = at.session_state[KEY].session
    assert s.net.sizes == (64, 256, 256, 256, 256, 256, 256, 10)
    click(at, "step.step10")
    assert s.iteration == 1 or s.diverged is not None  # capped to one iteration per click
    click(at, "step.next")
    assert s.phase == 1 or s.diverged is not None
