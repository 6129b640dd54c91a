"""The live class through the app (AppTest): a teacher browser and student browsers in one process,
sharing the room store; each flow runs against the in-process store and a real redis-server.

A student's poll is a fragment with ``run_every``; AppTest runs fragments inline, so ``at.run()`` on
the student is one poll. Numbers are compared to the last bit with tests/test_session.py's snapshot.
"""

from __future__ import annotations

import base64
import io
import json
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from classroom import store as store_mod
from classroom.codes import ALPHABET, CODE_LENGTH
from tests.redis_server import RedisServer, redis_or_skip
from tests.test_page_step import APP
from tests.test_session import assert_identical, snapshot
from ui import live
from ui.state import KEY


@pytest.fixture(params=["memory", "redis"])
def room_store(request, monkeypatch, tmp_path):
    """A fresh store for each test, the one every browser of the test shares (as on one server)."""
    server = None
    if request.param == "redis":
        redis_or_skip()
        from bench._server import free_port

        server = RedisServer(free_port(), tmp_path)
        server.start()
        store = store_mod.RedisStore(server.url)
    else:
        store = store_mod.MemoryStore()
    monkeypatch.setattr(live, "_STORE", [store])
    monkeypatch.setattr(live, "_FOLLOWED", type(live._FOLLOWED)())
    yield store if server is None else (store, server)
    if server is not None:
        server.stop()


def _store(room_store):
    return room_store[0] if isinstance(room_store, tuple) else room_store


def browser(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    ok(at)
    return at


def app_of(at: AppTest):
    return at.session_state[KEY]


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [w.value for w in at.warning] + [e.value for e in at.error]
                     + [s.value for s in at.success] + [c.value for c in at.caption] + [tx.value for tx in at.text])


def same_screen(teacher: AppTest, student: AppTest) -> None:
    a, b = app_of(teacher), app_of(student)
    assert_identical(snapshot(a.session), snapshot(b.session))
    assert a.session.config == b.session.config and a.sample == b.sample


def _array(v) -> np.ndarray:
    """A plotly JSON array (a list, or a typed {dtype, bdata} array)."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.asarray(v)


def start_class(teacher: AppTest) -> str:
    click(teacher, "Start a class")
    code = app_of(teacher).live.code
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    return code


# -- the teacher's card ---------------------------------------------------------------------------------
def test_start_a_class_shows_code_link_qr_and_followers_then_end_class(room_store):
    teacher = browser()
    code = start_class(teacher)
    assert any(code in m.value and m.value.strip().startswith("Room code") for m in teacher.markdown)
    links = [c.value for c in teacher.code]
    assert any(v.endswith(f"/?room={code}") for v in links), links
    assert not any("teacher=" in v for v in links[:1])  # the students' link is first and carries no token
    token = app_of(teacher).live.token
    assert len(token) >= 22  # >= 128 bits, URL-safe base64
    assert any(v.endswith(f"?room={code}&teacher={token}") for v in links)  # in the secret expander only
    assert token not in teacher.query_params.get("room", [""])[0]
    assert all(token not in "".join(v) for v in teacher.query_params.values())  # never in the address bar
    # the QR image is segno's encoding of exactly the students' link
    import segno

    expected = io.BytesIO()
    segno.make(live.students_link(code), error="m").save(expected, kind="png", scale=10, border=2)
    assert live.qr_png(live.students_link(code)) == expected.getvalue()
    assert expected.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    assert teacher.get("image"), "no QR image shown"
    student = browser({"room": code})
    teacher.run()
    metric = next(m for m in teacher.metric if m.label == "Students following")
    assert metric.value == "1"
    click(teacher, "End class")
    assert app_of(teacher).live is None and _store(room_store).get(code) is None
    student.run()
    assert "This class has ended" in texts(student)
    assert app_of(student).live.following is False


def test_a_student_sees_the_teachers_numbers_and_follows_every_change_without_reload(room_store):
    teacher = browser()
    code = start_class(teacher)
    click(teacher, "Step")
    click(teacher, "Next phase")
    student = browser({"room": code})
    assert "Following the teacher" in texts(student)
    same_screen(teacher, student)
    for _ in range(3):
        click(teacher, "Step")
        student.run()  # one poll of the fragment
        same_screen(teacher, student)
    teacher.select_slider(key="w_lr").set_value(0.5).run()
    ok(teacher)
    click(teacher, "Step")
    student.run()
    same_screen(teacher, student)
    assert app_of(student).session.settings.lr == 0.5
    summary = "\n".join(m.value for m in student.sidebar.markdown)  # the student's sidebar says it, read-only
    assert "Learning rate η: 0.5" in summary, summary
    assert not student.sidebar.select_slider  # no settings to change while following
    for _ in range(4):  # Back and Reset reach the class too
        click(teacher, "Back")
    student.run()
    same_screen(teacher, student)
    click(teacher, "Reset")
    student.run()
    same_screen(teacher, student)
    assert "Following the teacher" in texts(student)


def test_nothing_a_student_does_changes_the_room_explore_and_follow_again(room_store):
    teacher = browser()
    code = start_class(teacher)
    click(teacher, "Step")
    student = browser({"room": code})
    version = _store(room_store).version(code)
    before = snapshot(app_of(teacher).session)
    click(student, "Step ×10")  # the student's own click: they explore on their own from here
    assert app_of(student).session.iteration == 11
    assert "Exploring on my own" in texts(student)
    student.select_slider(key="w_lr").set_value(7.0).run()
    ok(student)
    teacher.run()
    assert_identical(before, snapshot(app_of(teacher).session))
    assert _store(room_store).version(code) == version
    click(teacher, "Step")
    student.run()
    assert app_of(student).session.iteration == 11  # not following: the teacher's step does not pull it
    click(student, "Follow again")
    student.run()
    same_screen(teacher, student)
    assert "Following the teacher" in texts(student)
    click(student, "Explore on my own")
    click(teacher, "Step")
    student.run()
    assert app_of(student).session.iteration == 2


def test_the_teachers_page_is_offered_to_students(room_store):
    teacher = browser()
    code = start_class(teacher)
    student = browser({"room": code})
    teacher.switch_page("pages/training.py").run()
    ok(teacher)
    student.run()
    links = [p.proto.label for p in student.get("page_link")]
    assert "The teacher is on: Training" in links


# -- the class poll ------------------------------------------------------------------------------------
def test_class_poll_answers_are_collected_validated_and_revealed(room_store):
    teacher = browser()
    code = start_class(teacher)
    teacher.toggle(key="quiz_on").set_value(True).run()
    ok(teacher)
    student = browser({"room": code})
    other = browser({"room": code})
    click(teacher, "Next phase")  # forward layer 1: the question opens before the numbers show
    for s in (student, other):
        s.run()
        assert any(b.label == "Send my answer" for b in s.button)
        assert app_of(s).quiz.get("pending") == (0, 1)
    q = app_of(teacher).session.record.forward.layers[0].a
    for bad, message in (("abc", "That is not a number"), ("nan", "That is not a number"),
                         ("1e99", "too large"), ("9" * 40, "too long"), ("", "Type a number first")):
        student.text_input(key="live_value").set_value(bad)
        click(student, "Send my answer")
        assert message in texts(student), bad
    student.text_input(key="live_value").set_value("0.5")
    click(student, "Send my answer")
    student.text_input(key="live_value").set_value("0.61")  # changed before the reveal: one answer
    click(student, "Send my answer")
    assert "Answer sent: 0.61" in texts(student)
    other.text_input(key="live_value").set_value("-2")
    click(other, "Send my answer")
    qid = app_of(teacher).live.published["poll"]
    assert _store(room_store).answers(code, qid) == [-2.0, 0.61]
    teacher.run()
    spec = json.loads(teacher.get("plotly_chart")[0].proto.spec)
    assert "2 answered" in spec["layout"]["title"]["subtitle"]["text"]
    counts, mids = _array(spec["data"][0]["y"]), _array(spec["data"][0]["x"])
    assert counts.sum() == 2 and counts[mids.argmin()] == 1 and counts[mids.argmax()] == 1  # -2 and 0.61
    assert not spec["layout"].get("shapes")  # the correct value is not on the projector before Reveal
    click(teacher, "Reveal")
    student.run()
    app = app_of(student)
    guess, truth = app.quiz["last"][1], app.quiz["last"][0].truth
    j = app.quiz["last"][0].unit
    assert guess == 0.61 and truth == q[app.quiz["last"][0].sample, j]
    assert f"{truth:.4g}" in texts(student)
    assert app.quiz.get("pending") is None
    student.text_input(key="live_value") if student.text_input else None
    with pytest.raises(store_mod.AnswerRejected):
        _store(room_store).answer(code, app.live.sid, qid, "0.7")  # revealed: no change any more


def test_a_flood_of_answers_from_one_student_is_capped(room_store):
    teacher = browser()
    code = start_class(teacher)
    teacher.toggle(key="quiz_on").set_value(True).run()
    student = browser({"room": code})
    click(teacher, "Next phase")
    student.run()
    for i in range(store_mod.MAX_TRIES):
        student.text_input(key="live_value").set_value(str(i))
        click(student, "Send my answer")
    student.text_input(key="live_value").set_value("99")
    click(student, "Send my answer")
    assert "too many times" in texts(student)
    qid = app_of(teacher).live.published["poll"]
    assert _store(room_store).answers(code, qid) == [float(store_mod.MAX_TRIES - 1)]


# -- bad links -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", ["0OOOOO", "abc", "ABCDEFG", "*", "bplab:room:*", "A\r\nFLUSHALL", "ABC DE\x00",
                                 "A" * 5000, "ΑΒΓΔΕΖ"])
def test_malformed_room_codes_never_reach_the_store(raw, monkeypatch):
    calls = []

    class Spy(store_mod.MemoryStore):
        def get(self, code):
            calls.append(code)
            return super().get(code)

    monkeypatch.setattr(live, "_STORE", [Spy()])
    at = browser({"room": raw})
    assert calls == []
    assert "a room code: 6 letters and digits" in texts(at)
    assert app_of(at).live is None
    click(at, "Step")  # the app works solo
    assert app_of(at).session.iteration == 1


def test_an_unknown_or_expired_room_gives_a_notice_and_the_app_runs_solo(room_store):
    at = browser({"room": "ABCDEF"})
    assert "this room has ended or expired" in texts(at)
    assert app_of(at).live is None
    clock = [0.0]
    mem = store_mod.MemoryStore(ttl=60, clock=lambda: clock[0])
    live._STORE[:] = [mem]
    teacher = browser()
    code = start_class(teacher)
    clock[0] = 61.0  # idle past the TTL
    late = browser({"room": code})
    assert "this room has ended or expired" in texts(late)
    click(teacher, "Step")
    assert "This class has ended" in texts(teacher)
    assert any(b.label == "Start a class" for b in teacher.button)  # and can open a new one


def test_a_forged_teacher_token_gives_no_control(room_store):
    teacher = browser()
    code = start_class(teacher)
    click(teacher, "Step")
    version = _store(room_store).version(code)
    real = app_of(teacher).live.token
    for forged in ("x" * 32, real[:-1] + ("A" if real[-1] != "A" else "B"), real + "A", "", "../../etc"):
        intruder = browser({"room": code, "teacher": forged})
        assert "this one gives no control" in texts(intruder)
        assert not app_of(intruder).live.teacher
        click(intruder, "Step")
        assert _store(room_store).version(code) == version
    same = browser({"room": code})
    same_screen(teacher, same)


def test_the_secret_teacher_link_resumes_control_from_another_device(room_store):
    teacher = browser()
    code = start_class(teacher)
    click(teacher, "Step")
    click(teacher, "Step")
    token = app_of(teacher).live.token
    del teacher  # the teacher's browser closes: the room stays
    student = browser({"room": code})
    laptop = browser({"room": code, "teacher": token})
    assert app_of(laptop).live.teacher and app_of(laptop).session.iteration == 2
    assert all(token not in v for v in laptop.query_params.get("teacher", []))
    assert "teacher" not in laptop.query_params  # the address bar loses the token at once
    click(laptop, "Step")
    student.run()
    same_screen(laptop, student)


# -- faults --------------------------------------------------------------------------------------------
def test_redis_down_mid_class_then_back(monkeypatch, tmp_path):
    redis_or_skip()
    from bench._server import free_port

    server = RedisServer(free_port(), tmp_path)
    server.start()
    try:
        monkeypatch.setattr(live, "_STORE", [store_mod.RedisStore(server.url, timeout=0.3)])
        monkeypatch.setattr(live, "_FOLLOWED", type(live._FOLLOWED)())
        teacher = browser()
        code = start_class(teacher)
        student = browser({"room": code})
        server.stop()
        click(teacher, "Step")  # no traceback: a notice, and the teacher keeps working
        assert "The class connection is lost" in texts(teacher)
        assert app_of(teacher).session.iteration == 1
        student.run()
        assert "The class connection is lost" in texts(student)
        click(student, "Explore on my own")
        click(student, "Step")
        assert app_of(student).session.iteration == 1
        server.start()  # same port and folder: the append-only file brings the room back
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "The class connection is lost" in texts(teacher):
            click(teacher, "Step")
        assert "The class connection is lost" not in texts(teacher)
        click(student, "Follow again")
        student.run()
        same_screen(teacher, student)
    finally:
        server.stop()


def test_a_redis_url_with_nothing_listening_gives_notices_not_tracebacks(monkeypatch):
    from bench._server import free_port

    monkeypatch.setattr(live, "_STORE", [store_mod.RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)])
    teacher = browser()
    click(teacher, "Start a class")
    assert "A class cannot be opened right now" in texts(teacher)
    assert app_of(teacher).live is None
    student = browser({"room": "ABCDEF"})
    assert "the class cannot be joined right now" in texts(student)


def test_an_unshareable_run_is_said_to_the_teacher_and_students_keep_the_last_state(room_store):
    teacher = browser()
    code = start_class(teacher)
    click(teacher, "Step")
    student = browser({"room": code})
    s = app_of(teacher).session
    s.move_to(s.net.with_params([w * 0.5 for w in s.net.weights], s.net.biases))  # the landscape's "drop here"
    click(teacher, "Step")
    assert "cannot be shown to students" in texts(teacher)
    student.run()
    assert app_of(student).session.iteration == 1
    assert "cannot be shown to students" in texts(student)
