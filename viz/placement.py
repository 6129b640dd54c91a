"""Where text goes on a figure so it never sits on other text or across a line (the network diagram).

Geometry is in pixels of the plot area, y up. A figure's pixel size is known in height (``layout.height``)
but not in width (the chart fills its column), so boxes are laid out for the narrowest width the figure
declares (``min_width``) and anchored at their centre: on a wider figure every box keeps its centre's
data point and only gets narrower in data units, so a box clear of the others and of every line at the
minimum width stays clear at any larger width.

Text widths are estimated from per-character advances (a little wider than Arial/Liberation Sans/DejaVu
Sans, the fonts a browser may pick for the figure's family; CJK characters one em).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_NARROW = set(".,:;'|!ijlrtf()[] ")
_WIDE = set("mwMW\u2192\u2202\u2211\u03a3\u0394")  # m, w, arrows, partial, sums, Delta


def char_em(ch: str) -> float:
    """Estimated advance of one character, in em."""
    if "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\uffef":
        return 1.0
    if ch in _NARROW:
        return 0.34
    if ch in _WIDE:
        return 0.9
    if ch.isupper():
        return 0.72
    return 0.64  # digits, lower case, = + - e: DejaVu Sans' digits are 0.636 em


def text_px(line: str, size: float) -> float:
    """Estimated width in px of one line of plain text at font ``size`` px."""
    return size * sum(char_em(c) for c in line)


def lines_box(lines: Sequence[str], size: float, line_height: float = 1.3) -> tuple[float, float]:
    """(width, height) in px of a block of lines."""
    if not lines:
        return 0.0, 0.0
    return max(text_px(s, size) for s in lines), size * line_height * len(lines)


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in px: centre (cx, cy), half-sizes (hw, hh)."""

    cx: float
    cy: float
    hw: float
    hh: float

    def overlaps(self, o: Box, gap: float = 0.0) -> bool:
        return abs(self.cx - o.cx) < self.hw + o.hw + gap and abs(self.cy - o.cy) < self.hh + o.hh + gap

    def inside(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        return (x0 <= self.cx - self.hw and self.cx + self.hw <= x1
                and y0 <= self.cy - self.hh and self.cy + self.hh <= y1)


def segment_hits_box(p: tuple[float, float], q: tuple[float, float], b: Box, gap: float = 0.0) -> bool:
    """Whether the segment p-q passes through box b grown by ``gap`` (Liang-Barsky clipping)."""
    x0, x1 = b.cx - b.hw - gap, b.cx + b.hw + gap
    y0, y1 = b.cy - b.hh - gap, b.cy + b.hh + gap
    dx, dy = q[0] - p[0], q[1] - p[1]
    t0, t1 = 0.0, 1.0
    for den, num in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if den == 0:
            if num < 0:
                return False
            continue
        t = num / den
        if den < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


@dataclass(frozen=True)
class Frame:
    """Data <-> px for a plot area ``width`` x ``height`` px showing x0..x1, y0..y1."""

    x0: float
    x1: float
    y0: float
    y1: float
    width: float
    height: float

    def px(self, x: float, y: float) -> tuple[float, float]:
        return ((x - self.x0) / (self.x1 - self.x0) * self.width, (y - self.y0) / (self.y1 - self.y0) * self.height)

    def data(self, px: float, py: float) -> tuple[float, float]:
        return (self.x0 + px / self.width * (self.x1 - self.x0), self.y0 + py / self.height * (self.y1 - self.y0))


Segment = tuple[tuple[float, float], tuple[float, float]]


def place_on_segments(segments: Sequence[Segment], sizes: Sequence[tuple[float, float]], obstacles: Iterable[Box],
                      area: tuple[float, float, float, float], spans: Sequence[tuple[float, float]] | None = None,
                      gap: float = 3.0, steps: int = 25) -> list[Box | None]:
    """A box of ``sizes[i]`` (w, h) beside each segment i, clear of every obstacle, every other box and
    every segment, inside ``area`` (x0, y0, x1, y1); None where no place is free. Candidates lie along the
    segment's part ``spans[i]`` (fractions from p; default 0.15..0.85), centre first, above then below
    the line, offset so the box's near corner clears it."""
    fixed = list(obstacles)
    placed: list[Box] = []
    out: list[Box | None] = []
    for i, ((p, q), (w, h)) in enumerate(zip(segments, sizes)):
        lo, hi = spans[i] if spans is not None else (0.15, 0.85)
        ts = sorted((lo + (hi - lo) * k / (steps - 1) for k in range(steps)), key=lambda t: abs(t - (lo + hi) / 2))
        dx, dy = q[0] - p[0], q[1] - p[1]
        slope = abs(dy / dx) if dx else float("inf")
        off = h / 2 + slope * w / 2 + gap if dx else w / 2 + gap
        found = None
        for t in ts:
            x, y = p[0] + t * dx, p[1] + t * dy
            for side in (1.0, -1.0):
                b = Box(x, y + side * off, w / 2, h / 2) if dx else Box(x + side * off, y, w / 2, h / 2)
                if not b.inside(*area):
                    continue
                if any(b.overlaps(o, gap) for o in fixed) or any(b.overlaps(o, gap) for o in placed):
                    continue
                if any(segment_hits_box(s0, s1, b) for s0, s1 in segments):
                    continue
                found = b
                break
            if found is not None:
                break
        if found is not None:
            placed.append(found)
        out.append(found)
    return out
