"""AppTest of the Step-through page: phases in order, Step, Back, sliders, shared links, quiz, play."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core.presets import PRESETS
from ui.state import KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def fresh(params: dict[str, str] | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    if lang:
        at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def session(at: AppTest) -> bp.Session:
    return at.session_state[KEY].session


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def phase_text(at: AppTest) -> str:
    """The phase named on the progress bar, after its bold "Phase ·" label."""
    label, sep, title = at.get("progress")[0].proto.text.partition(" · ")
    assert sep and label.startswith("**") and label.endswith("**"), label
    return title


def test_renders_in_both_languages():
    en = fresh()
    assert en.title[0].value == "Step through one iteration"
    zh = fresh(lang="zh")
    assert zh.title[0].value == "逐步演示一次迭代"
    assert any(b.label == "下一阶段" for b in zh.button)


def test_next_phase_walks_forward_loss_backward_update_in_order():
    at = fresh()
    seen = []
    for _ in range(6):  # XOR 2-3-1: forward 1, 2, loss, backward 2, 1, update
        click(at, "Next phase")
        seen.append(phase_text(at).split(" (")[0])
    assert seen == ["Forward pass, layer 1", "Forward pass, layer 2", "Loss", "Backward pass, layer 2",
                    "Backward pass, layer 1", "Weight update"]
    assert session(at).iteration == 1


def test_walking_phases_equals_step_and_matches_the_core():
    walked = fresh()
    for _ in range(6):
        click(walked, "Next phase")
    stepped = click(fresh(), "Step")
    reference = bp.Session(PRESETS["xor"])
    reference.step()
    for at in (walked, stepped):
        assert np.array_equal(session(at).net.flatten(), reference.net.flatten())


def test_step_advances_counter_and_changes_loss_and_back_restores():
    at = fresh()
    click(at, "Step")
    first = session(at).history.last()["loss"]
    params_1 = session(at).net.flatten()
    click(at, "Step")
    assert session(at).iteration == 2
    assert at.metric[0].value == "2"
    assert session(at).history.last()["loss"] != first
    click(at, "Back")
    assert session(at).iteration == 1
    assert np.array_equal(session(at).net.flatten(), params_1)
    assert at.metric[0].value == "1"


def test_learning_rate_slider_changes_the_next_step():
    at = fresh()
    at.select_slider(key="w_lr").set_value(0.1).run()
    click(at, "Step")
    reference = bp.Session(PRESETS["xor"].replace(lr=0.1))
    reference.step()
    assert np.array_equal(session(at).net.flatten(), reference.net.flatten())
    assert at.query_params["lr"] in ("0.1", ["0.1"])


def test_shared_link_reproduces_the_numbers_of_stepping_by_hand():
    by_hand = fresh({"dataset": "moons", "hidden": "4", "hidden_act": "tanh", "lr": "0.5", "seed": "7"})
    for _ in range(5):
        click(by_hand, "Step")
    link = {k: v[-1] if isinstance(v, list) else v for k, v in by_hand.query_params.items()}
    assert link["step"] == "5"
    opened = fresh(link)
    assert session(opened).iteration == 5
    assert np.array_equal(session(opened).net.flatten(), session(by_hand).net.flatten())
    assert opened.metric[2].value == by_hand.metric[2].value


@pytest.mark.parametrize("preset", ["worked", "digits", "spirals"])
def test_presets_render_and_step(preset):
    at = fresh()
    at.selectbox(key="w_preset").select(preset).run()
    assert session(at).config == PRESETS[preset]
    click(at, "Step")
    assert session(at).iteration == 1


def test_worked_example_numbers_on_screen():
    at = fresh()
    at.selectbox(key="w_preset").select("worked").run()
    click(at, "Next phase")  # forward layer 1
    latex = " ".join(x.value for x in at.latex)
    assert "0.3775" in latex and "0.5933" in latex
    for _ in range(2):
        click(at, "Next phase")  # forward layer 2, loss
    latex = " ".join(x.value for x in at.latex)
    assert "0.2984" in latex  # E_total = 0.298371109


def test_quiz_holds_the_phase_back_until_revealed_and_grades_the_answer():
    at = fresh()
    at.toggle(key="quiz_on").set_value(True).run()
    click(at, "Next phase")
    assert session(at).phase == 1
    assert phase_text(at) == "—"  # the new phase is still hidden
    rec = session(at).record
    q = bp.quiz.question_for(rec, session(at).phases[0], 0)
    at.number_input(key="quiz_value").set_value(round(q.truth, 4)).run()
    click(at, "Reveal")
    assert phase_text(at).startswith("Forward pass, layer 1")
    assert any("Spot on" in s.value for s in at.success)


def test_play_steps_on_each_run_until_paused():
    at = fresh()
    click(at, "Play")
    it = session(at).iteration
    at.run()
    assert session(at).iteration > it
    click(at, "Pause")
    it = session(at).iteration
    at.run()
    assert session(at).iteration == it


def test_divergence_shows_a_plain_notice_and_keeps_the_last_finite_state():
    at = fresh({"dataset": "sine", "hidden": "8", "hidden_act": "relu", "output_act": "linear", "loss": "mse",
                "lr": "10", "init": "he"})
    for _ in range(10):
        if session(at).diverged is not None:
            break
        click(at, "Step ×10")
    s = session(at)
    assert s.diverged is not None
    assert any("Training stopped at iteration" in e.value for e in at.error)
    assert np.isfinite(s.net.flatten()).all()


def test_sample_picker_switches_the_per_sample_numbers():
    """Picking the third sample (index 2) of XOR's batch shows its pre-activations in the diagram and says which row."""
    import json

    from viz.equations import fmt

    at = fresh()
    click(at, "Step")
    click(at, "Next phase")  # iteration 2, forward layer 1
    s = session(at)
    rows = s.record.batch
    at.selectbox(key="sample").select(2).run()
    assert not at.exception
    assert at.session_state[KEY].sample == 2
    note = " ".join(c.value for c in at.caption)
    assert f"sample 3 of the batch (training row {int(rows[2]) + 1})" in note
    (diagram,) = at.get("component_instance")  # ui.charts.live_plotly
    spec = json.loads(json.loads(diagram.proto.json_args)["spec"])
    (neurons,) = [tr for tr in spec["data"] if (tr.get("meta") or {}).get("role") == "neurons"]
    text = " ".join(neurons["text"])
    z = s.record.forward.layers[0].z
    assert all(f"z = {fmt(float(v))}" in text for v in z[2])
    assert any(f"z = {fmt(float(v))}" not in text for v in z[0])  # not the first sample's numbers
    click(at, "Step")  # the choice holds across Steps
    assert at.selectbox(key="sample").value == 2
    row = int(session(at).record.batch[2]) + 1
    assert f"sample 3 of the batch (training row {row})" in " ".join(c.value for c in at.caption)


def test_mnist_step_page_draws_the_image_the_grid_and_k_edges():
    import json

    from backprop_core.config import encode

    at = fresh(encode(PRESETS["mnist"]))
    for _ in range(2):
        click(at, "Next phase")
    (diagram,) = at.get("component_instance")
    spec = json.loads(json.loads(diagram.proto.json_args)["spec"])
    grids = {tr["meta"]["column"]: tr for tr in spec["data"] if (tr.get("meta") or {}).get("role") == "grid"}
    assert sorted(grids) == [0, 1] and grids[0]["meta"]["mode"] == "image"
    s = session(at)
    x = s.record.forward.x[0]
    assert np.allclose(_arr(grids[0]["z"]).ravel(), x)
    edges = [tr for tr in spec["data"] if (tr.get("meta") or {}).get("role") == "edge_hover"]
    assert sum(len(_arr(tr["customdata"])) for tr in edges) == 40  # k = 20 per layer
    at.selectbox(key="edges_k").select(5).run()
    assert not at.exception
    (diagram,) = at.get("component_instance")
    spec = json.loads(json.loads(diagram.proto.json_args)["spec"])
    edges = [tr for tr in spec["data"] if (tr.get("meta") or {}).get("role") == "edge_hover"]
    assert sum(len(_arr(tr["customdata"])) for tr in edges) == 10


def _arr(v):
    """A plotly JSON array (a list, or base64 typed array {dtype, bdata, shape})."""
    import base64

    if isinstance(v, dict) and "bdata" in v:
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(n) for n in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.asarray(v)


def loss_metric(at: AppTest) -> str:
    (m,) = [m for m in at.metric if m.label == "Loss"]
    return m.value


def test_loss_metric_fills_once_the_loss_phase_is_shown():
    """Iteration 1: "—" until the loss phase, then the record's loss; iteration 2: iteration 1's loss
    until its own loss phase. Formatted as the page formats it (5 significant digits)."""
    at = fresh()
    kinds = [p.kind for p in session(at).phases]
    assert loss_metric(at) == "—"
    previous = "—"
    for it in (1, 2):
        for p in range(1, len(kinds) + 1):
            click(at, "Next phase")
            s = session(at)
            shown = f"{s.record.backward.loss:.5g}" if p > kinds.index("loss") else previous
            assert loss_metric(at) == shown, (it, p)
        reference = bp.Session(PRESETS["xor"])
        reference.run(it)
        previous = f"{reference.history.last()['loss']:.5g}"
        assert loss_metric(at) == previous
    assert previous != "—"


def test_loss_metric_does_not_leak_the_loss_while_its_quiz_question_is_open():
    at = fresh()
    at.toggle(key="quiz_on").set_value(True).run()
    kinds = [p.kind for p in session(at).phases]
    for _ in range(kinds.index("loss")):  # up to the phase before the loss: skip each question
        click(at, "Next phase")
        click(at, "Skip")
    click(at, "Next phase")  # the loss phase is computed but its question is open
    assert session(at).phase == kinds.index("loss") + 1
    assert loss_metric(at) == "—"
    click(at, "Skip")
    assert loss_metric(at) == f"{session(at).record.backward.loss:.5g}"


def test_quiz_question_on_the_loss_phase_renders():
    """The loss question names no neuron (it used to crash formatting one)."""
    at = fresh()
    at.toggle(key="quiz_on").set_value(True).run()
    for _ in range(3):  # forward 1, forward 2, loss: each question skipped but the loss one
        click(at, "Next phase")
        if session(at).current_phase.kind != "loss":
            click(at, "Skip")
    assert any("Predict the loss of this batch." in m.value for m in at.markdown)
