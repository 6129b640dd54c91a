"""The network diagram's text never overlaps other text and never crosses an edge, for every preset,
phase, focus and both sizes (default and projector), at the narrowest width the figure declares and at a
wider one.

The boxes are computed here from the figure alone, independently of viz/placement.py: text widths are
measured with the real font a browser uses for the figure's family on Linux (Liberation Sans, metric-
compatible with Arial) through Pillow, falling back to DejaVu Sans (wider); the px <-> data mapping is
rebuilt from the layout's height, margins and axis ranges.
"""

from __future__ import annotations

import subprocess
from functools import cache

import numpy as np
import pytest

from backprop_core import PRESETS, Session
from backprop_core.datasets import image_side
from viz.network import network_spec, view_for

PIL = pytest.importorskip("PIL.ImageFont")


@cache
def font(size: int):
    for name in ("Arial", "DejaVu Sans"):
        try:
            path = subprocess.run(["fc-match", "-f", "%{file}", name], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            path = ""
        if path:
            return PIL.truetype(path, size)
    pytest.skip("no font to measure text with (fc-match found none)")


def text_w(s: str, size: int) -> float:
    return font(size).getlength(s)


class Geometry:
    """Data -> px (y up) of one figure's plot area at a given total width."""

    def __init__(self, layout: dict, width: float) -> None:
        m = layout["margin"]
        self.w, self.h = width - m["l"] - m["r"], layout["height"] - m["t"] - m["b"]
        (self.x0, self.x1), (self.y0, self.y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]

    def px(self, x, y):
        return (x - self.x0) / (self.x1 - self.x0) * self.w, (y - self.y0) / (self.y1 - self.y0) * self.h


def rect(cx, cy, hw, hh):
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def crosses(seg, r) -> bool:
    """Segment through rectangle: sampled densely along the segment (independent of any clipping code)."""
    (x0, y0), (x1, y1) = seg
    t = np.linspace(0.0, 1.0, 2001)
    x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    return bool(np.any((x > r[0]) & (x < r[2]) & (y > r[1]) & (y < r[3])))


def boxes(spec: dict, width: float):
    """(edge label rects, card rects with their text lines, circle rects, header rects, edge segments)."""
    lay = spec["layout"]
    g = Geometry(lay, width)
    labels = []
    for tr in spec["data"]:
        role = (tr.get("meta") or {}).get("role")
        if role == "edge_values":
            size = tr["textfont"]["size"]
            assert tr["textposition"] == "middle center"
            for x, y, s in zip(tr["x"], tr["y"], tr["text"]):
                cx, cy = g.px(x, y)
                labels.append((s, rect(cx, cy, text_w(s, size) / 2, size * 0.6)))
    cards = []
    for sh in lay.get("shapes", []):
        if str(sh.get("name", "")).startswith("card"):
            cx, cy = g.px(sh["xanchor"], sh["yanchor"])
            cards.append((sh["label"]["text"].split("<br>"), sh["label"]["font"]["size"],
                          (cx + sh["x0"], cy + sh["y0"], cx + sh["x1"], cy + sh["y1"])))
    (neu,) = [tr for tr in spec["data"] if (tr.get("meta") or {}).get("role") == "neurons"]
    circles = []
    for x, y, size, op in zip(neu["x"], neu["y"], np.broadcast_to(neu["marker"]["size"], len(neu["x"])),
                              np.broadcast_to(neu["marker"]["opacity"], len(neu["x"]))):
        if op > 0:
            cx, cy = g.px(x, y)
            circles.append(rect(cx, cy, size / 2, size / 2))
    headers = []
    for an in lay["annotations"]:
        size = an["font"]["size"]
        import re

        text = re.sub(r"<[^>]+>", "", an["text"])
        cx, cy = g.px(an["x"], an["y"])
        dy = size * 0.65 if an.get("yanchor") == "bottom" else -size * 0.65
        headers.append(rect(cx, cy + dy, text_w(text, size) / 2, size * 0.65))
    segs = []
    for tr in spec["data"]:
        if (tr.get("meta") or {}).get("role") == "edges":
            xs, ys = tr["x"], tr["y"]
            for k in range(0, len(xs), 3):
                segs.append((g.px(xs[k], ys[k]), g.px(xs[k + 1], ys[k + 1])))
    return labels, cards, circles, headers, segs


def figures():
    for name in sorted(PRESETS):
        for projector in (False, True):
            s = Session(PRESETS[name])
            sizes = s.net.sizes
            for p in range(len(s.phases) + 1):
                if p:
                    s.next_phase()
                view = view_for(s.record, s.current_phase, 0) if p else None
                for focus in (None, (1, min(1, sizes[1] - 1))):
                    yield name, projector, p, focus, network_spec(s.net, view, focus=focus, projector=projector,
                                                                      image_side=image_side(s.config.dataset))


CASES = list(figures())


@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{'proj' if pr else 'default'}-phase{p}-{f}"
                                             for n, pr, p, f, _ in CASES])
def test_no_text_overlaps_text_or_crosses_an_edge(case):
    name, projector, phase, focus, spec = case
    min_w = spec["layout"]["meta"]["min_width"]
    for width in (min_w, 1.6 * min_w):
        labels, cards, circles, headers, segs = boxes(spec, width)
        card_rects = [r for _, _, r in cards]
        for k, (s, r) in enumerate(labels):
            for s2, r2 in labels[k + 1:]:
                assert not overlap(r, r2), f"edge labels {s!r} and {s2!r} overlap at width {width}"
            for r2 in card_rects + circles + headers:
                assert not overlap(r, r2), f"edge label {s!r} overlaps a neuron or header at width {width}"
            hit = [seg for seg in segs if crosses(seg, r)]
            assert not hit, f"edge label {s!r} crosses {len(hit)} edge(s) at width {width}"
        for k, r in enumerate(card_rects):
            for r2 in card_rects[k + 1:] + headers:
                assert not overlap(r, r2), f"two cards (or a card and a header) overlap at width {width}"
    for lines, size, r in cards:  # each card holds its lines
        assert max(text_w(s, size) for s in lines) <= r[2] - r[0], lines
        assert len(lines) * size * 1.15 <= r[3] - r[1], lines


def test_projector_numbers_are_at_least_24px_and_labels_mostly_placed():
    s = Session(PRESETS["xor"])
    for _ in range(4):
        s.next_phase()
    spec = network_spec(s.net, view_for(s.record, s.current_phase, 0), projector=True)
    cards = [sh for sh in spec["layout"].get("shapes", []) if str(sh.get("name", "")).startswith("card")]
    assert len(cards) == 6 and all(sh["label"]["font"]["size"] >= 24 for sh in cards)
    (ev,) = [tr for tr in spec["data"] if (tr.get("meta") or {}).get("role") == "edge_values"]
    assert ev["textfont"]["size"] >= 24 and len(ev["text"]) >= 7  # of 9 edges; the rest on hover, and said so
    # the output card shows b, z, a, y, dL/da and dL/dz: b beside z, dL/da beside dL/dz
    out = next(sh for sh in cards if sh["name"] == "card 2 0")["label"]["text"].split("<br>")
    assert [r.split(" = ")[0] for r in out] == ["b", "z", "a", "y", "\u2202L/\u2202a", "\u2202L/\u2202z"]
