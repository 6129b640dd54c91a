"""The live class in real browsers: a teacher's tab and a student's tab, no reloads.

- with Redis: teacher on server A, student on server B (two ``streamlit run`` processes sharing one
  real redis-server, as two replicas behind a load balancer);
- with the in-process store: both on one server (the default, nothing installed).

The teacher steps three times and changes the learning rate; after each, the student's Iteration
metric and the diagram's numbers (full-precision hover text) equal the teacher's within 2 s (the issue's
bar: a 0.5 s poll and one rerun); the student's own Step does not move the teacher; Follow again.
"""

from __future__ import annotations

import re
import time

import pytest

from bench import _server
from tests.browser.conftest import ARTIFACTS, AppPage
from tests.browser.test_teacher_flow import en, lower_lr, neurons
from tests.redis_server import RedisServer, redis_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FOLLOW_WITHIN_S = 2.0


@pytest.fixture(params=["redis", "memory"])
def servers(request, app_server, tmp_path):
    """(teacher's server, student's server)."""
    if request.param == "memory":
        yield app_server, app_server
        return
    redis_or_skip()
    rs = RedisServer(_server.free_port(), tmp_path)
    rs.start()
    env = {"BACKPROP_LAB_REDIS_URL": rs.url}
    a = b = None
    try:
        a = _server.start("app.py", env=env, log_path=ARTIFACTS / "streamlit-live-A.log")
        b = _server.start("app.py", env=env, log_path=ARTIFACTS / "streamlit-live-B.log")
        yield a, b
    finally:
        for s in (a, b):
            if s is not None:
                _server.stop(s)
        rs.stop()


def _open(chromium, server, request, query: str = "") -> AppPage:
    ctx = chromium.new_context(viewport={"width": 1600, "height": 1000})
    ctx.set_default_timeout(60_000)
    request.addfinalizer(ctx.close)
    app = AppPage(ctx.new_page(), server)
    request.node.stash.setdefault(_pages_key(), []).append(app)
    app.goto("", query)
    return app


def _pages_key():
    from tests.browser.conftest import PAGES_KEY

    return PAGES_KEY


def room_code(teacher: AppPage) -> str:
    link = teacher.page.locator("[data-testid='stCode']").first.inner_text()
    m = re.search(r"\?room=([A-Z2-9]{6})$", link.strip())
    assert m, link
    return m.group(1)


def follows(student: AppPage, teacher: AppPage) -> float:
    """Seconds until the student's Iteration and diagram numbers equal the teacher's (fails past 2 s)."""
    want_it, want_n = teacher.metric(en("status.iteration")), neurons(teacher)
    t0 = time.monotonic()
    while True:
        try:
            if student.metric(en("status.iteration")) == want_it and neurons(student) == want_n:
                return time.monotonic() - t0
        except Exception:  # the page is mid-redraw; read again  # noqa: BLE001
            pass
        assert time.monotonic() - t0 < FOLLOW_WITHIN_S, (
            f"student at iteration {student.metric(en('status.iteration'))}, teacher at {want_it}")
        student.page.wait_for_timeout(50)


def test_the_student_follows_the_teacher_live_and_can_explore_and_follow_again(chromium, servers, request):
    srv_t, srv_s = servers
    teacher = _open(chromium, srv_t, request)
    teacher.click(en("live.start"))
    code = room_code(teacher)
    student = _open(chromium, srv_s, request, f"room={code}")
    assert student.page.get_by_text(en("live.banner.following")).is_visible()
    follows(student, teacher)
    for _ in range(3):
        teacher.click(en("step.step"))
        follows(student, teacher)
    lower_lr(teacher)  # a learning-rate change, then a step that uses it
    teacher.click(en("step.step"))
    follows(student, teacher)
    t_iter = teacher.metric(en("status.iteration"))
    assert t_iter == "4"
    # the student's own Step: the student explores; the teacher does not move
    student.click(en("step.step"))
    assert student.metric(en("status.iteration")) == "5"
    assert student.page.get_by_text(en("live.banner.exploring")).is_visible()
    teacher.page.wait_for_timeout(800)
    teacher.wait_idle()
    assert teacher.metric(en("status.iteration")) == t_iter
    teacher.click(en("step.step"))  # the teacher goes on; the exploring student stays
    student.page.wait_for_timeout(1200)
    assert student.metric(en("status.iteration")) == "5"
    student.click(en("live.follow_again"))
    follows(student, teacher)
    assert student.metric(en("status.iteration")) == "5" == teacher.metric(en("status.iteration"))
    assert student.page.get_by_text(en("live.banner.following")).is_visible()
    for app in (teacher, student):
        app.assert_healthy()
