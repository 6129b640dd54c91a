"""The shipped CJK font (static/, built by tools/make_cjk_font.py) covers every CJK character the app
shows, is wired into Streamlit's theme, the diagram's frame and the figures the same way, and ships
with its licence. What a browser draws with it: tests/browser/test_cjk_font.py."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_cjk_font as mk  # noqa: E402

ttLib = pytest.importorskip("fontTools.ttLib", reason="fontTools is in requirements-dev.txt")
pytest.importorskip("brotli", reason="brotli (woff2) is in requirements-dev.txt")

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
FACES = mk.font_faces()
FRAME = ROOT / "ui" / "plotly_frame" / "index.html"
BUDGET_BYTES = 600_000  # both weights together; the bound is "well under 1 MB"


def shipped(face: dict) -> Path:
    return mk.output_path(face)


def cmap_of(path: Path) -> dict[int, str]:
    return ttLib.TTFont(str(path)).getBestCmap()


def missing_from(cmap: dict[int, str], ranges, texts) -> set[str]:
    return {ch for ch in mk.needed_chars(ranges, texts) if ord(ch) not in cmap}


# ---------------------------------------------------------------- the configuration


def test_theme_serves_two_faces_of_one_family_from_static():
    assert CONFIG["server"]["enableStaticServing"] is True
    assert [int(f["weight"]) for f in FACES] == [400, 700]
    assert {f["style"] for f in FACES} == {"normal"}
    for face in FACES:
        assert face["url"].startswith("app/static/") and face["url"].endswith(".woff2"), face["url"]
        assert shipped(face).read_bytes()[:4] == b"wOF2", face["url"]
    # Streamlit builds the body and heading stacks as "<font>, 'Source Sans', sans-serif".
    assert CONFIG["theme"]["font"].split(",")[0].strip() == mk.FAMILY


def test_the_face_is_for_cjk_only_so_latin_keeps_source_sans():
    (text,) = {f["unicodeRange"] for f in FACES}  # both weights serve the same characters
    ranges = mk.parse_unicode_range(text)
    for ch in "Az09 .,:;()[]{}+-=×→·“”—…αΔ∂≤":
        assert not mk.in_ranges(ch, ranges), f"{ch!r} (U+{ord(ch):04X}) would leave Source Sans"
    for ch in "反向传播，。：（）、？":
        assert mk.in_ranges(ch, ranges), ch


def test_unicode_range_parser_on_known_values():
    assert mk.parse_unicode_range("U+4E00-9FFF, u+3001") == [(0x4E00, 0x9FFF), (0x3001, 0x3001)]
    for bad in ("U+4E??", "4E00", "U+9FFF-4E00", ""):
        with pytest.raises(ValueError):
            mk.parse_unicode_range(bad)


def test_diagram_frame_declares_the_same_faces():
    """The frame is its own document: its @font-face rules must equal the theme's (url relative to
    <app>/component/<name>/index.html, so it survives a server.baseUrlPath)."""
    css = FRAME.read_text(encoding="utf-8")
    rules = re.findall(r"@font-face\s*\{(.*?)\}", css, re.S)
    found = []
    for rule in rules:
        prop = dict((k.strip(), v.strip()) for k, v in (p.split(":", 1) for p in rule.split(";") if ":" in p))
        url = re.fullmatch(r'url\("\.\./\.\./(app/static/[^"]+)"\)\s*format\("woff2"\)', prop["src"])
        assert url, prop["src"]
        found.append({"family": prop["font-family"], "url": url.group(1), "weight": int(prop["font-weight"]),
                      "style": prop["font-style"], "unicodeRange": re.sub(r"\s+", " ", prop["unicode-range"])})
    assert found == [{**f, "weight": int(f["weight"])} for f in FACES]


def test_figures_name_the_family_after_their_latin_font():
    from viz.palette import FONT

    stack = [f.strip().strip("'\"") for f in FONT["family"].split(",")]
    assert mk.FAMILY in stack and stack.index(mk.FAMILY) == 1, stack


# ---------------------------------------------------------------- coverage: no tofu for any string


@pytest.mark.parametrize("face", FACES, ids=lambda f: str(f["weight"]))
def test_every_cjk_character_the_app_shows_is_in_the_shipped_font(face):
    """Fails when a translation uses a CJK character the subset lacks: run tools/make_cjk_font.py."""
    from ui.i18n import LANG_NAMES
    from ui.strings import STRINGS

    cmap = cmap_of(shipped(face))
    ranges = mk.parse_unicode_range(face["unicodeRange"])
    texts = {**{f"{k} (zh)": v[1] for k, v in STRINGS.items()}, **{f"{k} (en)": v[0] for k, v in STRINGS.items()},
             **{f"language name {k}": v for k, v in LANG_NAMES.items()}}
    assert len(mk.needed_chars(ranges, texts.values())) > 500  # the check sees the real tables
    bad = {key: "".join(sorted(missing_from(cmap, ranges, [text]))) for key, text in texts.items()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"characters missing from {shipped(face).name} (run python tools/make_cjk_font.py): {bad}"


def test_the_coverage_check_catches_a_missing_character():
    (face,) = FACES[:1]
    cmap = cmap_of(shipped(face))
    ranges = mk.parse_unicode_range(face["unicodeRange"])
    assert missing_from(cmap, ranges, ["反向传播"]) == set()
    assert missing_from(cmap, ranges, ["反向传播的龘"]) == {"龘"}  # a real ideograph no string uses
    assert missing_from(cmap, ranges, ["Backprop Lab ×10"]) == set()  # outside the range: Source Sans


def test_the_glyphs_are_drawings_not_blanks():
    """Each mapped ideograph has an outline (a subset with empty glyphs would pass the cmap check)."""
    from fontTools.pens.boundsPen import BoundsPen

    for face in FACES:
        font = ttLib.TTFont(str(shipped(face)))
        glyphs = font.getGlyphSet()
        for code in (ord("反"), ord("播"), ord("，")):
            pen = BoundsPen(glyphs)
            glyphs[font.getBestCmap()[code]].draw(pen)
            assert pen.bounds is not None, (face["url"], chr(code))


# ---------------------------------------------------------------- size, licence, naming


def test_the_fonts_stay_small():
    sizes = {shipped(f).name: shipped(f).stat().st_size for f in FACES}
    assert sum(sizes.values()) < BUDGET_BYTES, sizes


def test_licence_beside_the_fonts_names_them_and_the_source():
    text = (ROOT / "static" / mk.LICENSE_NAME).read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1 - 26 February 2007" in text
    assert "PERMISSION & CONDITIONS" in text and "DISCLAIMER" in text
    assert "fonts-noto-cjk" in text and "Noto Sans CJK SC" in text and "Adobe" in text
    for face in FACES:
        assert shipped(face).name in text
    assert {p.name for p in (ROOT / "static").iterdir()} == {mk.LICENSE_NAME, *(shipped(f).name for f in FACES)}


def test_each_font_keeps_its_copyright_and_licence_records():
    for face in FACES:
        name = ttLib.TTFont(str(shipped(face)))["name"]
        assert "Adobe" in name.getDebugName(0)
        assert "SIL Open Font License" in name.getDebugName(13)
        assert name.getDebugName(14).endswith("OFL")


# ---------------------------------------------------------------- the tool reproduces what ships


@pytest.mark.slow
def test_the_tool_rebuilds_the_shipped_files(tmp_path, monkeypatch):
    sources = [mk.SOURCE_DIR / name for name in mk.SOURCES.values()]
    if not all(p.is_file() for p in sources) or not mk.DEBIAN_COPYRIGHT.is_file():
        pytest.skip("Debian's fonts-noto-cjk is not installed (apt-get install fonts-noto-cjk)")
    sizes = mk.build(tmp_path)
    for face in FACES:
        rebuilt, ours = tmp_path / shipped(face).name, shipped(face)
        assert sizes[rebuilt] == rebuilt.stat().st_size
        assert cmap_of(rebuilt).keys() == cmap_of(ours).keys(), "the shipped font is stale: run tools/make_cjk_font.py"
    lic = (tmp_path / mk.LICENSE_NAME).read_text(encoding="utf-8")
    assert lic == (ROOT / "static" / mk.LICENSE_NAME).read_text(encoding="utf-8")
    again = tmp_path / "again"
    mk.build(again)
    for face in FACES:  # same inputs, same bytes
        assert (again / shipped(face).name).read_bytes() == (tmp_path / shipped(face).name).read_bytes()
