"""What a teacher does in front of the class, in a real browser against a real server.

Every number read off the page (the diagram's hover text in full precision, the table, the metrics)
is compared with numbers computed here: by hand with NumPy from the initial weights for the phase
walk, and by ``backprop_core.Session`` for whole steps.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

import backprop_core as bp
from ui.i18n import translate

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def en(key: str, **kw) -> str:
    return translate(key, "en", **kw)


def zh(key: str, **kw) -> str:
    return translate(key, "zh", **kw)


# -- reading the page ----------------------------------------------------------------------------
def neurons(app) -> dict[tuple[int, int], dict[str, float]]:
    """The diagram's neurons: (column, unit) -> {"z": .., "a": .., "b": .., "dL/dz": ..} parsed from the
    hover text, which carries every number at full precision (repr)."""
    fig = next(p for p in app.plots() if any((t.get("meta") or {}).get("role") == "neurons" for t in p["data"]))
    tr = next(t for t in fig["data"] if (t.get("meta") or {}).get("role") == "neurons")
    out = {}
    for (k, j), text in zip(tr["customdata"], tr["hovertext"]):
        pairs = re.findall(r"(?:<br>)([^<=]+?) = ([^<]+)", text)
        out[(int(k), int(j))] = {name.strip(): float(v) for name, v in pairs if _is_number(v)}
    return out


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def diagram_title(app) -> str:
    fig = next(p for p in app.plots() if any((t.get("meta") or {}).get("role") == "neurons" for t in p["data"]))
    return re.sub(r"<[^>]+>", "", fig["layout"]["title"]["text"])


_TABLE_JS = ("e => Array.from(e.querySelectorAll('table tr')).map(r => Array.from(r.querySelectorAll('th,td'))"
             ".map(c => c.textContent))")


def table(app, n_rows: int, column: str) -> list[dict[str, str]]:
    """The active layer's st.dataframe as rows of {column header: cell text} (from the grid's
    accessible table, which holds the full-precision values), once it shows this phase's table:
    ``n_rows`` rows with a ``column`` column (the grid may redraw a moment after the diagram)."""
    frame = app.page.locator("[data-testid='stDataFrame']").first
    frame.locator("table tr").nth(1).wait_for(state="attached")
    for _ in range(100):
        head, *body = frame.evaluate(_TABLE_JS)
        body = [r for r in body if r]
        if len(body) == n_rows and column in head:
            return [dict(zip(head, r)) for r in body]
        app.page.wait_for_timeout(100)
    raise AssertionError(f"the table never showed {n_rows} rows with a {column!r} column: {head} {body}")


def progress(app) -> str:
    """The phase named on the progress bar, after its "Phase ·" label (in either language)."""
    text = app.page.locator("[data-testid='stProgress']").inner_text().strip()
    label, sep, title = text.partition(" · ")
    assert sep and label in (en("status.phase"), zh("status.phase")), text
    return title


def lr_input(app):
    return app.sidebar_slider(en("sb.lr")).locator("input[type='range']")


def lower_lr(app, presses: int = 1) -> None:
    """Move the learning-rate select_slider left by ``presses`` options with the keyboard."""
    thumb = lr_input(app)
    for _ in range(presses):
        app.act(lambda: (thumb.focus(), app.page.keyboard.press("ArrowLeft")))


def snapshot(app) -> dict:
    return {"iteration": app.metric(en("status.iteration")), "loss": app.metric(en("status.loss")),
            "neurons": neurons(app), "title": diagram_title(app)}


# -- the numbers, computed independently -----------------------------------------------------------
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def xor_by_hand() -> dict:
    """The default (XOR) run's first iteration, by hand from its initial weights (sigmoid/MSE, full batch)."""
    s = bp.Session(bp.Config())
    lr = s.config.lr  # the setting, an input of the hand computation
    (W1, W2), (b1, b2) = s.net.weights, s.net.biases
    X, Y = s.dataset.X_train, s.dataset.Y_train
    n = X.shape[0]
    z1 = X @ W1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ W2 + b2
    a2 = sigmoid(z2)
    loss = 0.5 * float(np.sum((a2 - Y) ** 2)) / n
    dA2 = (a2 - Y) / n
    dZ2 = dA2 * a2 * (1 - a2)
    return {"z1": z1, "a1": a1, "z2": z2, "a2": a2, "y": Y, "loss": loss, "dA2": dA2, "dZ2": dZ2,
            "new_b2": b2 - lr * dZ2.sum(axis=0)}


def core_loss(cfg: bp.Config, k: int) -> float:
    s = bp.Session(cfg)
    assert s.run(k) == k
    return s.history.last()["loss"]


def shown(x: float) -> str:
    """The loss as the metric formats it."""
    return f"{x:.5g}"


# -- tests ------------------------------------------------------------------------------------------
@pytest.mark.first_session
def test_fresh_server_first_session_keeps_sidebar_values(open_app):
    """The first browser session of a fresh server (Streamlit's legacy pages/-folder mode) keeps a
    sidebar change across the following runs, and the run really uses it."""
    app = open_app()
    assert lr_input(app).get_attribute("aria-valuetext") == "7"
    lower_lr(app)  # 7 -> 5
    assert lr_input(app).get_attribute("aria-valuetext") == "5"
    assert float(app.query["lr"]) == 5.0
    app.click(en("step.next"))
    app.click(en("step.step"), 2)
    assert lr_input(app).get_attribute("aria-valuetext") == "5", "the sidebar lost its value on a later run"
    assert app.query.get("step") == "2" and float(app.query["lr"]) == 5.0
    assert app.metric(en("status.iteration")) == "2"
    assert app.metric(en("status.loss")) == shown(core_loss(bp.Config(lr=5.0), 2))
    app.assert_healthy()


def test_next_phase_walks_one_iteration_with_the_core_numbers(open_app):
    """Next phase ×(2L+2) on XOR: each phase's title, and sample 1's z, a, loss, dL/dz, new bias."""
    app = open_app()
    ref = xor_by_hand()
    n_phases = 6  # 2 weight layers: forward ×2, loss, backward ×2, update
    expected_titles = [en("step.phase.forward", l=1), en("step.phase.forward", l=2), en("step.phase.loss"),
                       en("step.phase.backward", l=2), en("step.phase.backward", l=1), en("step.phase.update")]
    for i, title in enumerate(expected_titles, start=1):
        app.click(en("step.next"))
        assert progress(app) == f"{title} ({en('step.phase.of', i=i, n=n_phases)})"
        nodes = neurons(app)
        out = nodes[(2, 0)]
        if i == 1:  # hidden layer revealed, output not yet
            for j in range(3):
                assert nodes[(1, j)]["z"] == pytest.approx(ref["z1"][0, j], rel=1e-12, abs=1e-15)
                assert nodes[(1, j)]["a"] == pytest.approx(ref["a1"][0, j], rel=1e-12)
            assert "z" not in out
        if i == 2:  # the output unit of sample 1, in the diagram and in the table
            assert out["z"] == pytest.approx(ref["z2"][0, 0], rel=1e-12)
            assert out["a"] == pytest.approx(ref["a2"][0, 0], rel=1e-12)
            row = table(app, 1, en("step.col.z"))[0]
            assert float(row[en("step.col.z")]) == pytest.approx(ref["z2"][0, 0], rel=1e-12)
            assert float(row[en("step.col.a")]) == pytest.approx(ref["a2"][0, 0], rel=1e-12)
            assert float(row[en("step.col.a_mean")]) == pytest.approx(ref["a2"][:, 0].mean(), rel=1e-12)
        if i == 3:  # the loss: target shown, loss in the title (4 significant digits)
            assert out["y"] == ref["y"][0, 0]
            shown_loss = float(re.search(r"L = ([-\d.e]+)", diagram_title(app)).group(1))
            assert shown_loss == pytest.approx(ref["loss"], rel=5e-4)  # 4 significant digits
        if i == 4:  # backward through the output layer: dL/dz of sample 1 (already carrying 1/n)
            assert out["∂L/∂z"] == pytest.approx(ref["dZ2"][0, 0], rel=1e-10)
            assert out["∂L/∂a"] == pytest.approx(ref["dA2"][0, 0], rel=1e-10)
            row = table(app, 1, en("step.col.dL_dz"))[0]
            assert float(row[en("step.col.dL_dz")]) == pytest.approx(ref["dZ2"][0, 0], rel=1e-10)
            assert float(row[en("step.col.dL_dz_sum")]) == pytest.approx(ref["dZ2"][:, 0].sum(), rel=1e-10)
        if i < n_phases:
            assert app.metric(en("status.iteration")) == "0"
    # the update is committed: iteration 1, the loss of iteration 1, the output bias moved by -lr * dL/db
    assert app.metric(en("status.iteration")) == "1"
    assert app.metric(en("status.loss")) == shown(ref["loss"])
    assert neurons(app)[(2, 0)]["b"] == pytest.approx(ref["new_b2"][0], rel=1e-12)
    assert app.query.get("step") == "1"
    app.assert_healthy()


def test_step_three_times_matches_the_core(open_app):
    app = open_app()
    app.click(en("step.step"), 3)
    assert app.metric(en("status.iteration")) == "3"
    assert app.metric(en("status.loss")) == shown(core_loss(bp.Config(), 3))
    s = bp.Session(bp.Config())
    s.run(3)
    assert neurons(app)[(2, 0)]["b"] == pytest.approx(float(s.net.biases[1][0]), rel=1e-12)
    assert app.query.get("step") == "3"
    app.assert_healthy()


_MARK_JS = """() => { const f = document.querySelector('iframe');
    const p = f.contentDocument.querySelector('.js-plotly-plot'); f.dataset.mark = p.dataset.mark = 'before'; }"""
_MARKED_JS = """() => { const f = document.querySelector('iframe');
    const p = f.contentDocument.querySelector('.js-plotly-plot');
    return [document.querySelectorAll('iframe').length, f.dataset.mark, p && p.dataset.mark]; }"""


def test_step_redraws_the_diagram_in_place(open_app):
    """A Step updates the diagram's numbers in the same frame and the same Plotly graph (Plotly.react),
    not a newly mounted chart: that remount was most of a click's time in the browser."""
    app = open_app()
    app.click(en("step.step"))
    before = neurons(app)
    app.page.evaluate(_MARK_JS)
    app.click(en("step.step"))
    assert app.page.evaluate(_MARKED_JS) == [1, "before", "before"]
    after = neurons(app)
    s = bp.Session(bp.Config())
    s.run(2)
    assert after != before
    assert after[(1, 2)]["b"] == pytest.approx(float(s.net.biases[0][2]), rel=1e-12)
    app.assert_healthy()


def test_keyboard_shortcuts_work_on_the_page_and_with_the_diagram_focused(open_app):
    """N and S (the Next phase and Step shortcuts) from the page, and from inside the diagram's frame,
    which would otherwise swallow every key press once a teacher has clicked into it."""
    app = open_app()
    app.act(lambda: app.page.keyboard.press("n"))
    assert progress(app).startswith(en("step.phase.forward", l=1))
    app.page.frames[1].evaluate("() => { document.body.tabIndex = -1; document.body.focus(); }")
    assert app.page.evaluate("() => document.activeElement.tagName") == "IFRAME"
    app.act(lambda: app.page.keyboard.press("n"))
    assert progress(app).startswith(en("step.phase.forward", l=2))
    app.act(lambda: app.page.keyboard.press("s"))
    assert app.metric(en("status.iteration")) == "1"
    app.assert_healthy()


def test_back_restores_the_previous_iteration(open_app):
    app = open_app()
    app.click(en("step.step"), 3)
    three = snapshot(app)
    app.click(en("step.step"))
    four = snapshot(app)
    assert four["iteration"] == "4" and four["neurons"] != three["neurons"]
    app.click(en("step.back"))
    assert snapshot(app) == three  # bit-for-bit: hover texts carry every digit
    assert app.query.get("step") == "3"
    app.assert_healthy()


def test_shared_link_opens_the_same_iteration_in_another_browser(open_app):
    teacher = open_app()
    lower_lr(teacher)  # a link must carry changed settings too: lr 7 -> 5
    teacher.click(en("step.step"), 3)
    link = teacher.page.url
    assert "step=3" in link and "lr=5" in link
    seen = snapshot(teacher)
    student = open_app(link.split("/", 3)[3])  # a new browser context: no shared cookies or session
    assert snapshot(student) == seen
    assert seen["loss"] == shown(core_loss(bp.Config(lr=5.0), 3))
    assert lr_input(student).get_attribute("aria-valuetext") == "5"
    student.assert_healthy()
    teacher.assert_healthy()


def test_a_link_copied_mid_walk_of_the_backward_pass_opens_on_that_phase(open_app):
    teacher = open_app()
    teacher.click(en("step.step"), 2)
    teacher.click(en("step.next"), 4)  # iteration 3: forward 1, forward 2, loss, backward 2
    title = progress(teacher)
    assert title.startswith(en("step.phase.backward", l=2)), title
    link = teacher.page.url
    assert "step=2" in link and "phase=4" in link
    seen = snapshot(teacher)
    student = open_app(link.split("/", 3)[3])
    assert progress(student) == title
    assert snapshot(student) == seen  # every number of the diagram, to the last digit
    student.assert_healthy()
    teacher.assert_healthy()


def test_switch_to_simplified_chinese(open_app):
    app = open_app()
    radio = app.page.locator("[data-testid='stSidebar'] [data-testid='stRadio']").first
    app.act(radio.get_by_text("简体中文").click)
    assert app.page.locator("h1").first.inner_text().strip() == zh("step.title")
    labels = [t.strip() for t in app.page.locator("[data-testid='stMetricLabel']").all_inner_texts()]
    assert labels[:3] == [zh("status.iteration"), zh("status.epoch"), zh("status.loss")]
    nav = app.page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    assert any(zh("nav.step") in t for t in nav) and any(zh("nav.landscape") in t for t in nav)
    app.click(zh("step.next"))  # the Chinese button works, and the phase reads in Chinese
    assert progress(app) == f"{zh('step.phase.forward', l=1)} ({zh('step.phase.of', i=1, n=6)})"
    assert app.query.get("lang") == "zh"
    app.assert_healthy()


# -- the loss landscape ------------------------------------------------------------------------------
def _is_stub(page: str) -> bool:
    text = (ROOT / page).read_text()
    return "Work in progress" in text and len(text.splitlines()) < 10


def arrow(app) -> tuple[tuple[float, float], tuple[float, float]]:
    """(tail, tip) of the landscape's step arrow: the annotation drawn with showarrow in data coordinates."""
    for fig in app.plots():
        for ann in fig["layout"].get("annotations", []) or []:
            if ann.get("showarrow") and ann.get("axref") == "x" and ann.get("ayref") == "y":
                return (ann["ax"], ann["ay"]), (ann["x"], ann["y"])
    raise AssertionError("no step arrow on the landscape page")


def test_learning_rate_changes_the_landscape_arrow(open_app):
    if _is_stub("pages/landscape.py"):
        pytest.xfail("pages/landscape.py is still a stub: no arrow to compare yet")
    app = open_app("loss-landscape")
    (t0, h0) = arrow(app)
    lower_lr(app)  # 7 -> 5: the arrow -lr * grad (projected) shrinks to 5/7, from the same point
    (t1, h1) = arrow(app)
    assert t1 == pytest.approx(t0, abs=1e-12)
    v0, v1 = np.subtract(h0, t0), np.subtract(h1, t1)
    assert math.hypot(*v0) > 0
    assert v1 == pytest.approx(5 / 7 * v0, rel=1e-6, abs=1e-12)
    app.assert_healthy()
