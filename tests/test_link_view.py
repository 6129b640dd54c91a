"""The link carries the whole view: iteration, the phase cursor mid-walk, the sample and the focused
neuron; opened elsewhere it shows the same phase and the same numbers (to the last bit)."""

from __future__ import annotations

import pytest

import backprop_core as bp
from backprop_core.presets import PRESETS
from tests.test_page_step import click, fresh
from tests.test_session import assert_identical, snapshot
from ui.state import KEY


def _q(at) -> dict:
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def test_a_link_opened_mid_walk_of_the_backward_pass_shows_that_phase_and_those_numbers():
    teacher = fresh()
    click(teacher, "Step")
    click(teacher, "Step")
    for _ in range(4):  # forward 1, forward 2, loss, backward 2 of iteration 3
        click(teacher, "Next phase")
    s = teacher.session_state[KEY].session
    assert s.mid_iteration and s.current_phase.kind == "backward" and s.phase == 4
    link = _q(teacher)
    assert link == {"step": "2", "phase": "4"}
    student = fresh(link)
    assert_identical(snapshot(s), snapshot(student.session_state[KEY].session))
    # by hand: a fresh Session walked the same way
    ref = bp.Session(PRESETS["xor"])
    ref.run(2)
    for _ in range(4):
        ref.next_phase()
    assert_identical(snapshot(ref), snapshot(student.session_state[KEY].session))
    assert _q(student) == link  # and its own address stays that link


def test_the_address_is_a_link_from_the_first_click():
    at = fresh()
    assert _q(at) == {}
    click(at, "Next phase")
    assert _q(at) == {"phase": "1"}


def test_sample_and_focus_travel_in_the_link():
    at = fresh({"step": "1", "sample": "3", "focus": "1-2"})
    app = at.session_state[KEY]
    assert app.sample == 2 and app.focus == (1, 1)
    assert at.selectbox(key="focus").value == (1, 1)
    assert _q(at) == {"step": "1", "sample": "3", "focus": "1-2"}
    assert not at.warning
    at.selectbox(key="focus").set_value("all").run()
    assert "focus" not in _q(at) and at.session_state[KEY].focus is None


def test_projector_mode_travels_in_the_link_and_sizes_the_diagram():
    import json

    at = fresh({"projector": "1"})
    app = at.session_state[KEY]
    assert app.projector and at.toggle(key="projector_on").value is True
    assert not at.title  # the room's screen height goes to the diagram
    (diagram,) = at.get("component_instance")
    spec = json.loads(json.loads(diagram.proto.json_args)["spec"])
    assert spec["layout"]["meta"]["min_width"] >= 1100
    assert all(sh["label"]["font"]["size"] >= 24 for sh in spec["layout"]["shapes"] if sh["name"].startswith("card"))
    click(at, "Next phase")
    assert _q(at) == {"phase": "1", "projector": "1"}
    at.toggle(key="projector_on").set_value(False).run()
    assert not at.session_state[KEY].projector and "projector" not in _q(at) and at.title


@pytest.mark.parametrize("key,value", [("phase", "9"), ("phase", "0"), ("phase", "-1"), ("phase", "abc"),
                                       ("phase", "6"), ("sample", "0"), ("sample", "x" * 80),
                                       ("focus", "9-9"), ("focus", "1-0"), ("focus", "1-2-3"), ("focus", "0-1"),
                                       ("focus", "<b>1</b>"), ("projector", "yes")])
def test_bad_view_values_give_a_notice_and_the_default(key, value):
    at = fresh({"step": "2", key: value})
    app = at.session_state[KEY]
    assert any(key in tx.value for tx in at.text), [tx.value for tx in at.text]
    assert app.session.iteration == 2 and not app.session.mid_iteration
    assert app.sample == 0 and app.focus is None and not app.projector
