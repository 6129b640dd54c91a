"""AppTest of the Save & share page: the link, the downloads, and continuing a saved run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

import backprop_core as bp
from backprop_core import runfile
from ui.state import KEY

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def save_page(steps: int = 0, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if lang:
        at.query_params["lang"] = lang
    at.run()
    for _ in range(steps):
        next(b for b in at.button if b.label == "Step").click().run()
    at.switch_page("pages/save.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_link_and_four_downloads_after_a_step():
    at = save_page(steps=2)
    assert "step=2" in at.code[0].value
    assert len(at.download_button) == 4


def test_before_any_step_there_is_no_trace_to_download_yet():
    at = save_page()
    assert len(at.download_button) == 2
    assert any("Take a step first" in c.value for c in at.caption)


def test_uploading_a_saved_run_continues_it_exactly():
    saved = bp.Session(bp.Config(optimizer="adam", lr=0.01, seed=3))
    saved.run(7)
    at = save_page()
    at.file_uploader(key="run_upload").upload("run.json", runfile.run_json(saved).encode(), "application/json").run()
    next(b for b in at.button if b.label == "Load this run").click().run()
    assert not at.exception
    s = at.session_state[KEY].session
    assert s.iteration == 7 and np.array_equal(s.net.flatten(), saved.net.flatten())
    saved.step()
    s.step()
    assert np.array_equal(s.net.flatten(), saved.net.flatten())


def test_a_broken_run_file_says_why_and_changes_nothing():
    at = save_page(steps=1)
    before = at.session_state[KEY].session.net.flatten()
    at.file_uploader(key="run_upload").upload("run.json", b'{"format": "backprop-lab-run", "version": 1}').run()
    next(b for b in at.button if b.label == "Load this run").click().run()
    assert not at.exception
    assert any("not loaded" in e.value for e in at.error)
    s = at.session_state[KEY].session
    assert s.iteration == 1 and np.array_equal(s.net.flatten(), before)


def test_renders_in_chinese():
    at = save_page(lang="zh")
    assert at.title[0].value == "保存、导出与分享"
