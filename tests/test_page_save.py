"""AppTest of the Save & share page: the link, the downloads, and continuing a saved run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
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


CODE = ("NumPy script (.py)", "PyTorch script (.py)")


def test_link_and_four_downloads_after_a_step():
    at = save_page(steps=2)
    assert "step=2" in at.code[0].value
    assert len([b for b in at.download_button if b.label not in CODE]) == 4


def test_before_any_step_there_is_no_trace_to_download_yet():
    at = save_page()
    assert len([b for b in at.download_button if b.label not in CODE]) == 2
    assert any("Take a step first" in c.value for c in at.caption)


@pytest.fixture
def deferred(monkeypatch):
    """The callables deferred download buttons register, by file name (AppTest cannot click a download)."""
    seen: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        seen[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def test_both_scripts_are_offered_and_the_numpy_one_prints_this_runs_losses(deferred, tmp_path):
    at = save_page(steps=6)
    assert [b.label for b in at.download_button if b.label in CODE] == list(CODE)
    assert not at.warning
    s = at.session_state[KEY].session
    assert {"backprop_lab_xor_numpy.py", "backprop_lab_xor_torch.py"} <= set(deferred)
    path = tmp_path / "backprop_lab_xor_numpy.py"
    path.write_text(deferred["backprop_lab_xor_numpy.py"](), encoding="utf-8")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True)
    losses = [float(v) for v in re.findall(r"^iteration\s+\d+\s+loss (\S+)$", out.stdout, re.M)]
    assert len(losses) == 6  # the script runs this run's iterations by default
    assert np.allclose(losses, s.history.column("loss"), rtol=1e-12, atol=1e-15)
    assert "import torch" in deferred["backprop_lab_xor_torch.py"]()


def test_a_mid_run_change_says_the_scripts_replay_the_current_settings():
    at = save_page(steps=2)
    at.session_state["w_lr"] = 0.5  # the sidebar's learning rate, changed after two steps
    at.run()
    assert any("changed mid-run" in i.value and "iteration 3" in i.value for i in at.info)
    assert [b.label for b in at.download_button if b.label in CODE] == list(CODE)


def test_a_csv_too_large_to_embed_says_so_and_points_to_the_run_file():
    rng = np.random.default_rng(0)
    cells = rng.integers(0, 10, size=(5000, 61))
    cells[:, -1] %= 2
    text = ",".join(f"c{j}" for j in range(61)) + "\n" + "\n".join(",".join(map(str, r)) for r in cells.tolist())
    ds = bp.load_csv(text.encode(), test_ratio=0.2)
    at = save_page()
    app = at.session_state[KEY]
    app.csv = ds
    app.session = bp.Session(bp.Config(dataset="csv", hidden=(4,)), ds)
    app.reseed_widgets = True  # as after loading a run: the sidebar takes the session's config
    at.run()
    assert not at.exception
    assert any("305,000 numbers" in w.value and "run" in w.value for w in at.warning)
    assert not [b for b in at.download_button if b.label in CODE]
    assert any(b.label.startswith("Whole run") for b in at.download_button)


def test_bundled_images_offer_their_data_file(deferred):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(bp.config.encode(bp.PRESETS["digits_fast"]))
    at.run()
    at.switch_page("pages/save.py").run()
    assert not at.exception
    labels = [b.label for b in at.download_button]
    assert "The data file (digits.npz)" in labels
    assert deferred["digits.npz"]() == bp.datasets.DIGITS_PATH.read_bytes()


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
    assert {"NumPy 脚本（.py）", "PyTorch 脚本（.py）"} <= {b.label for b in at.download_button}


def test_the_trace_csv_counts_layers_rows_and_columns_from_1():
    import csv
    import io

    from backprop_core.runfile import trace_csv

    s = bp.Session(bp.PRESETS["worked"])
    s.step()
    rows = {(r["quantity"], r["layer"], r["row"], r["column"]): float(r["value"])
            for r in csv.DictReader(io.StringIO(trace_csv(s.record))) if r["quantity"] != "loss"}
    assert rows[("W_old", "1", "1", "1")] == 0.15 and rows[("W_old", "2", "2", "1")] == 0.45  # Mazur's w1, w6
    assert rows[("z", "1", "1", "1")] == pytest.approx(0.3775, abs=1e-12)  # sample 1, hidden neuron 1
    assert not any(k[2] == "0" or k[3] == "0" for k in rows)
