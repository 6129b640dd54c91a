"""中文 renders from the app's own font on a machine without a CJK font.

A second Chromium is launched with fontconfig pointed at a font folder holding only this machine's
fonts that lack CJK ideographs (``FONTCONFIG_FILE``), so no system font can help; the test first
proves that (two different ideographs drawn in plain ``sans-serif`` give the same bitmap as a
private-use character: the tofu box). Then, on the Step page in 中文, for labels in the page
(title, navigation, button, widget label) and in the diagram's frame, every ideograph drawn in the
label's own computed font is not the tofu box, has a different width from it, and is pixel for pixel
the glyph of the shipped face alone. Both woff2 files are fetched from app/static/ with HTTP 200,
``font/woff2`` and exactly the shipped bytes. In English, Latin text is still Source Sans (same
pixels as Source Sans alone) and the language name 简体中文 is drawn from the shipped face too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PAGES_KEY, TIMEOUT_MS, AppPage

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_cjk_font as mk  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FAMILY = mk.FAMILY
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")

# For each {text, style, weight, size, family}: draw every CJK character on a canvas in that font, in
# the shipped family alone, and draw U+E000 (private use: no font has it, so it is the tofu box).
_GLYPHS_JS = """async ([items, family]) => {
  const c = document.createElement('canvas'); c.width = 120; c.height = 120;
  const g = c.getContext('2d', {willReadFrequently: true});
  const draw = (font, s) => { g.clearRect(0, 0, c.width, c.height); g.font = font; g.textBaseline = 'top';
                              g.fillStyle = '#000'; g.fillText(s, 10, 10);
                              return {w: g.measureText(s).width, png: c.toDataURL()}; };
  const out = [];
  for (const it of items) {
    const font = `${it.style} ${it.weight} ${it.size} ${it.family}`;
    const alone = `${it.style} ${it.weight} ${it.size} ${family}`;
    await document.fonts.load(font, it.text);
    await document.fonts.load(alone, it.text);
    const tofu = draw(font, '\\uE000');
    for (const ch of new Set(it.chars)) {
      const got = draw(font, ch), ours = draw(alone, ch);
      out.push({label: it.text, ch: ch, font: font, width: got.w, tofu_width: tofu.w,
                is_tofu: got.png === tofu.png, is_ours: got.png === ours.png});
    }
  }
  return out;
}"""
# The first element matching each selector whose text matches the pattern (default: has an ideograph):
# its text and computed font.
_LABELS_JS = """([selectors, pattern]) => selectors.map(sel => {
  const re = new RegExp(pattern || '[\\u4e00-\\u9fff]');
  const el = Array.from(document.querySelectorAll(sel)).find(e => re.test(e.textContent));
  if (!el) return {selector: sel, missing: true};
  const s = getComputedStyle(el);
  return {selector: sel, text: el.textContent.trim(), style: s.fontStyle, weight: s.fontWeight, size: s.fontSize,
          family: s.fontFamily};
})"""
_FACES_JS = """(family) => Array.from(document.fonts).filter(f => f.family.replace(/["']/g, '') === family)
  .map(f => ({weight: String(f.weight), status: f.status, unicodeRange: f.unicodeRange}))"""
PAGE_LABELS = ("[data-testid='stMain'] h1", "[data-testid='stSidebarNav'] a span",
               "[data-testid='stButton'] button p", "[data-testid='stWidgetLabel'] p")
FRAME_LABELS = (".gtitle", ".annotation-text")


def _no_cjk_fontconfig(folder: Path) -> Path:
    """A fonts.conf whose only font folder holds links to this machine's fonts without 中 (U+4E2D)."""
    fonts = folder / "fonts"
    fonts.mkdir(parents=True)
    listed = lambda *a: set(subprocess.run(["fc-list", *a], capture_output=True, text=True,  # noqa: E731
                                           check=True).stdout.split("\n")) - {""}
    if shutil.which("fc-list"):
        for i, path in enumerate(sorted(listed(":", "file", "--format=%{file}\\n")
                                        - listed(":charset=4e2d", "file", "--format=%{file}\\n"))):
            (fonts / f"{i:03d}-{Path(path).name}").symlink_to(path)
    conf = folder / "fonts.conf"
    include = '<include ignore_missing="yes">/etc/fonts/conf.d</include>' if Path("/etc/fonts/conf.d").is_dir() else ""
    conf.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><dir>{fonts}</dir><cachedir>{folder / 'cache'}</cachedir>{include}</fontconfig>\n")
    return conf


@pytest.fixture(scope="module")
def chromium_without_cjk(chromium, tmp_path_factory):
    conf = _no_cjk_fontconfig(tmp_path_factory.mktemp("no-cjk-fonts"))
    env = {k: v for k, v in os.environ.items() if k != "FONTCONFIG_PATH"} | {"FONTCONFIG_FILE": str(conf)}
    browser = chromium.browser_type.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, env=env)
    yield browser
    browser.close()


@pytest.fixture
def open_without_cjk(chromium_without_cjk, app_server, request):
    """Like ``open_app``, in the browser without CJK fonts; also records the font responses."""
    contexts = []
    request.node.stash[PAGES_KEY] = opened = []

    def _open(query: str):
        ctx = chromium_without_cjk.new_context(viewport={"width": 1600, "height": 900})
        ctx.set_default_timeout(TIMEOUT_MS)
        contexts.append(ctx)
        page = ctx.new_page()
        fonts: list = []
        page.on("response", lambda r: fonts.append(r) if "/app/static/" in r.url else None)
        app = AppPage(page, app_server)
        opened.append(app)
        app.goto("", query)
        app.page.evaluate("document.fonts.ready.then(() => true)")
        return app, fonts

    yield _open
    for ctx in contexts:
        ctx.close()


def _glyphs(target, labels: list[dict]) -> list[dict]:
    items = [{**lab, "chars": CJK.findall(lab["text"])} for lab in labels]
    return target.evaluate(_GLYPHS_JS, [items, FAMILY])


def _assert_not_tofu(results: list[dict]) -> None:
    assert results
    bad = [r for r in results if r["is_tofu"] or not r["is_ours"] or r["width"] == r["tofu_width"]]
    assert not bad, f"characters not drawn from {FAMILY}: {bad[:5]}"


def test_the_browser_under_test_has_no_cjk_font(open_without_cjk):
    """The precondition: without the app's font, ideographs are tofu in this browser."""
    app, _ = open_without_cjk("lang=zh")
    plain = _glyphs(app.page, [{"text": "反向传播", "style": "normal", "weight": "400", "size": "32px",
                                "family": "sans-serif"}])
    assert [r["is_tofu"] for r in plain] == [True] * 4, "a system CJK font is visible: the test proves nothing"
    assert not any(r["is_ours"] for r in plain)


def test_chinese_labels_render_from_the_shipped_font(open_without_cjk):
    app, responses = open_without_cjk("lang=zh")
    labels = app.page.evaluate(_LABELS_JS, [list(PAGE_LABELS), None])
    assert all(not lab.get("missing") for lab in labels), labels
    for lab in labels:
        assert lab["family"].startswith(f"{FAMILY}, "), lab  # Streamlit's stack: ours, then Source Sans
    assert {lab["weight"] for lab in labels} >= {"400", "700"}  # both faces are exercised (the title is bold)
    _assert_not_tofu(_glyphs(app.page, labels))

    faces = app.page.evaluate(_FACES_JS, FAMILY)
    assert sorted(f["weight"] for f in faces) == ["400", "700"] and {f["status"] for f in faces} == {"loaded"}, faces
    (wanted,) = {f["unicodeRange"] for f in mk.font_faces()}
    assert {f["unicodeRange"].upper() for f in faces} == {wanted.upper()}

    frame = next(f for f in app.page.frames if "plotly_frame" in f.url)
    frame.evaluate("document.fonts.ready.then(() => true)")
    frame_labels = frame.evaluate(_LABELS_JS, [list(FRAME_LABELS), None])
    assert all(not lab.get("missing") for lab in frame_labels), frame_labels
    _assert_not_tofu(_glyphs(frame, frame_labels))

    for face in mk.font_faces():
        path = mk.output_path(face)
        got = [r for r in responses if r.url.endswith("/" + face["url"])]
        assert got, f"{face['url']} was never fetched: {[r.url for r in responses]}"
        for r in got:
            assert r.status == 200 and r.headers.get("content-type") == "font/woff2", (r.url, r.status, r.headers)
        with urllib.request.urlopen(got[0].url, timeout=10) as r:  # the bytes behind that URL are the shipped file
            assert r.headers.get("Content-Type") == "font/woff2" and r.read() == path.read_bytes()
    app.assert_healthy()


def test_latin_stays_source_sans_and_the_language_name_is_drawn(open_without_cjk):
    app, _ = open_without_cjk("lang=en")
    (title,) = app.page.evaluate(_LABELS_JS, [["[data-testid='stMain'] h1"], "."])
    same = app.page.evaluate("""async (t) => {
      const c = document.createElement('canvas'); c.width = 900; c.height = 80;
      const g = c.getContext('2d');
      const draw = (font) => { g.clearRect(0, 0, 900, 80); g.font = font; g.fillText(t.text, 4, 60);
                               return c.toDataURL(); };
      const head = `${t.style} ${t.weight} ${t.size} `;
      await document.fonts.load(head + '"Source Sans"', t.text);
      return draw(head + t.family) === draw(head + '"Source Sans"');
    }""", title)
    assert title["text"].isascii() and same, title
    radio = app.page.evaluate(_LABELS_JS, [["[data-testid='stSidebar'] [role='radiogroup'] label p"], None])
    assert radio[0].get("text") == "简体中文", radio
    _assert_not_tofu(_glyphs(app.page, radio))
