"""Build the app's CJK font: a subset of Noto Sans CJK SC holding every CJK character the app shows.

Run at development time, after changing a Chinese string:  ``python tools/make_cjk_font.py``
Needs fontTools and brotli (``pip install fonttools brotli``; a tool-time dependency, not a runtime
one) and Debian's fonts-noto-cjk (``apt-get install fonts-noto-cjk``: the .ttc files below).

What it reads, so nothing is said twice:
- ``.streamlit/config.toml``: the ``[[theme.fontFaces]]`` tables of FAMILY give the output files
  (``url = "app/static/<file>"`` -> ``static/<file>``), their weight (400 -> the Regular source, 700
  -> the Bold one) and the ``unicodeRange`` the browser uses the face for;
- every translation in ``ui/strings`` (both columns) and the language names of ``ui/i18n``: the
  characters inside that range are the subset.
What it writes: one woff2 per face, reproducibly (the same inputs give the same bytes: the source's
timestamps are kept), and prints each file's size; beside them ``NotoSansCJK-LICENSE.txt``: where the
font comes from and the SIL Open Font License 1.1 exactly as Debian's package ships it.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"
STATIC = ROOT / "static"
FAMILY = "noto-sans-sc-subset"
SOURCE_DIR = Path("/usr/share/fonts/opentype/noto")
SOURCES = {400: "NotoSansCJK-Regular.ttc", 700: "NotoSansCJK-Bold.ttc"}
SOURCE_FACE = "Noto Sans CJK SC"  # the face picked from each .ttc collection (by its name, not its index)
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
LICENSE_NAME = "NotoSansCJK-LICENSE.txt"
# What the subset keeps besides the glyphs: licence and naming records (0-14: copyright, names,
# trademark, vendor, designers, licence text and URL), the default layout features, no hinting.
NAME_IDS = list(range(15))


def font_faces(config: Path = CONFIG, family: str = FAMILY) -> list[dict]:
    """The ``[[theme.fontFaces]]`` tables of ``family`` in the Streamlit config."""
    theme = tomllib.loads(config.read_text(encoding="utf-8")).get("theme", {})
    return [f for f in theme.get("fontFaces", []) if f.get("family") == family]


def parse_unicode_range(text: str) -> list[tuple[int, int]]:
    """CSS ``unicode-range`` ("U+4E00-9FFF, U+3001") -> [(first, last)] inclusive code points."""
    ranges = []
    for part in (p.strip() for p in text.split(",")):
        m = re.fullmatch(r"[Uu]\+([0-9A-Fa-f]{1,6})(?:-([0-9A-Fa-f]{1,6}))?", part)
        if m is None:
            raise ValueError(f"not a unicode-range item (wildcards are not supported here): {part!r}")
        first = int(m.group(1), 16)
        last = int(m.group(2), 16) if m.group(2) else first
        if last < first:
            raise ValueError(f"empty unicode range: {part!r}")
        ranges.append((first, last))
    return ranges


def in_ranges(ch: str, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(a <= ord(ch) <= b for a, b in ranges)


def shown_texts() -> list[str]:
    """Every string the app can show in either language: the translation tables and the language names."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from ui.i18n import LANG_NAMES
    from ui.strings import STRINGS

    return [text for pair in STRINGS.values() for text in pair] + list(LANG_NAMES.values())


def needed_chars(ranges: list[tuple[int, int]], texts: Iterable[str] | None = None) -> set[str]:
    """The characters of ``texts`` (default: ``shown_texts()``) that the face serves (inside ``ranges``)."""
    return {ch for text in (shown_texts() if texts is None else texts) for ch in text if in_ranges(ch, ranges)}


def source_font(weight: int, source_dir: Path = SOURCE_DIR):
    """The SC face of the Noto Sans CJK collection for ``weight``, as a fontTools TTFont."""
    from fontTools.ttLib import TTCollection

    path = source_dir / SOURCES[weight]
    collection = TTCollection(str(path))
    for face in collection.fonts:
        if face["name"].getDebugName(1) == SOURCE_FACE:
            return face
    raise SystemExit(f"no face named {SOURCE_FACE!r} in {path}")


def subset(weight: int, chars: set[str], out: Path, source_dir: Path = SOURCE_DIR) -> int:
    """Write the woff2 subset of the ``weight`` source holding ``chars``; returns its size in bytes."""
    from fontTools import subset as ft_subset

    font = source_font(weight, source_dir)
    missing = sorted(ch for ch in chars if ord(ch) not in font.getBestCmap())
    if missing:
        raise SystemExit(f"{SOURCE_FACE} has no glyph for: {''.join(missing)}")
    options = ft_subset.Options()
    options.flavor = "woff2"
    options.name_IDs = NAME_IDS
    options.name_languages = [0x409]  # English name records only (the CJK-language names add bytes, no use)
    options.hinting = False
    options.desubroutinize = True  # smaller after woff2's brotli for a few hundred glyphs
    options.notdef_outline = True
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(ch) for ch in chars))
    subsetter.subset(font)
    font.recalcTimestamp = False  # keep the source's head.modified: same inputs, same bytes
    out.parent.mkdir(parents=True, exist_ok=True)
    ft_subset.save_font(font, str(out), options)
    return out.stat().st_size


def ofl_text(copyright_file: Path = DEBIAN_COPYRIGHT) -> str:
    """The ``License: SIL-1.1`` paragraph of a Debian copyright file, decoded (one leading space
    dropped, a lone "." for an empty line: the machine-readable copyright format's encoding)."""
    lines = copyright_file.read_text(encoding="utf-8").splitlines()
    start = lines.index("License: SIL-1.1", lines.index("License: SIL-1.1") + 1)  # the paragraph, not the Files: field
    body = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        body.append("" if line.strip() == "." else line[1:])
    if not any("SIL OPEN FONT LICENSE Version 1.1" in b for b in body):
        raise SystemExit(f"no SIL OFL 1.1 text in {copyright_file}")
    return "\n".join(body).strip("\n") + "\n"


def package_version(copyright_file: Path = DEBIAN_COPYRIGHT) -> str:
    """The installed fonts-noto-cjk version, from dpkg's status file ("unknown" elsewhere)."""
    try:
        status = Path("/var/lib/dpkg/status").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown"
    m = re.search(r"^Package: fonts-noto-cjk\n(?:[^\n]+\n)*?Version: (\S+)", status, re.M)
    return m.group(1) if m else "unknown"


def license_text(source_dir: Path = SOURCE_DIR, copyright_file: Path = DEBIAN_COPYRIGHT) -> str:
    font = source_font(400, source_dir)
    names = font["name"]
    files = " and ".join(output_path(face).name for face in font_faces())
    header = f"""The fonts in this folder, {files}, are subsets of
{SOURCE_FACE} (Regular and Bold), {names.getDebugName(5)}:
{names.getDebugName(0)} {names.getDebugName(7)}
Upstream: https://github.com/googlefonts/noto-cjk (SIL Open Font License 1.1).
Source files: Debian's fonts-noto-cjk package, version {package_version(copyright_file)}:
{source_dir / SOURCES[400]} and
{source_dir / SOURCES[700]}, the {SOURCE_FACE} face of each.
Modified Version (OFL definition): reduced by tools/make_cjk_font.py (fontTools) to the CJK characters
the app's interface uses, hinting removed, converted to WOFF2. The font's own copyright, licence and
naming records are kept in each file. Debian's copyright file for the package reads "Copyright:
2010-2012, Google Corporation, License: SIL-1.1", with the licence text that follows, as Debian ships it
({copyright_file}).

"""
    return header + ofl_text(copyright_file)


def output_path(face: dict, static: Path = STATIC) -> Path:
    url = face["url"]
    prefix = "app/static/"
    if not url.startswith(prefix):
        raise SystemExit(f"font url {url!r} is not served from static/ (expected {prefix}<file>)")
    return static / url[len(prefix):]


def build(static: Path = STATIC, source_dir: Path = SOURCE_DIR) -> dict[Path, int]:
    """Every face of FAMILY in the config, written under ``static``: {path: bytes}."""
    faces = font_faces()
    if not faces:
        raise SystemExit(f"no [[theme.fontFaces]] with family = {FAMILY!r} in {CONFIG}")
    sizes = {}
    lic = static / LICENSE_NAME
    lic.parent.mkdir(parents=True, exist_ok=True)
    lic.write_text(license_text(source_dir), encoding="utf-8")
    for face in faces:
        weight = int(face.get("weight", 400))
        if weight not in SOURCES:
            raise SystemExit(f"no source for weight {weight} (have {sorted(SOURCES)})")
        chars = needed_chars(parse_unicode_range(face["unicodeRange"]))
        out = output_path(face, static)
        sizes[out] = subset(weight, chars, out, source_dir)
        print(f"{out.relative_to(static.parent) if static.parent in out.parents else out}: "
              f"{len(chars)} characters, {sizes[out]:,} bytes")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=STATIC, help="folder to write into (default: static/)")
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR, help="where the Noto Sans CJK .ttc files are")
    args = parser.parse_args()
    sizes = build(args.out, args.source_dir)
    print(f"total {sum(sizes.values()):,} bytes")


if __name__ == "__main__":
    main()
