"""The README stays true: its API example prints what its comments say, and CI runs its test command."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _python_block() -> str:
    return re.search(r"```python\n(.*?)```", README, re.S).group(1)


def test_api_example_prints_what_its_comments_say():
    code = _python_block()
    expected = [m.group(1).strip() for line in code.splitlines()
                if line.lstrip().startswith("print(") and (m := re.search(r"#\s*(.+)$", line))]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README, not user input
    assert out.getvalue().splitlines() == expected
    assert len(expected) >= 8


def _bash_blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", README, re.S)]


def test_the_two_setup_commands_are_there_and_ci_runs_the_test_command():
    run_app, run_tests = _bash_blocks()[:2]
    assert "streamlit run app.py" in run_app and "requirements.txt" in run_app
    assert "pytest" in run_tests and "requirements-dev.txt" in run_tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert run_tests in ci.splitlines()


def test_every_setting_has_a_translated_description_matching_the_config_table():
    from backprop_core.config import FIELDS
    from ui.strings import STRINGS

    for f in FIELDS:
        en, zh = STRINGS[f"field.{f.name}"]
        assert en == f.describe and zh


def test_every_picture_and_file_the_readme_links_exists():
    """The screenshot and every relative link point at files in the repository."""
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert any(t.endswith(".png") for t in local), "the README shows no screenshot"
    missing = [t for t in local if t and not (ROOT / t).exists()]
    assert not missing, missing
    png = (ROOT / "docs" / "screenshot.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
