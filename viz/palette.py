"""Shared colours and font sizes for every figure (colour-blind safe, readable on a projector).

Colours are from the Okabe-Ito palette: blue / vermillion for the sign of a weight or gradient
stay distinguishable under the common colour-vision deficiencies.
"""

from __future__ import annotations

POSITIVE = "#0072B2"  # blue: positive weight / value
NEGATIVE = "#D55E00"  # vermillion: negative weight / value
NEUTRAL = "#8C8C8C"  # grey: zero, inactive, unrevealed
HIGHLIGHT = "#E69F00"  # orange: the current phase's layer, the selected unit
HIGHLIGHT_FILL = "rgba(240, 228, 66, 0.22)"  # translucent yellow band behind the active layer
TEXT = "#222222"
CARD_FILL = "rgba(255, 255, 255, 0.96)"  # a neuron's card, drawn over the edges' ends
EMPTY_CELL = "#EEEEEE"  # a grid cell with nothing computed yet
FOCUS_FILL = "rgba(255, 236, 200, 0.97)"  # the focused neuron's card
BACKGROUND = "rgba(0, 0, 0, 0)"  # transparent: follows the Streamlit theme
LABEL_BACKGROUND = "rgba(255, 255, 255, 0.85)"  # behind numbers drawn over lines
HALO = "0 0 3px white, 0 0 3px white, 0 0 2px white"  # CSS text-shadow for text drawn over lines

# Diverging scale for heatmaps of signed values (negative -> white -> positive); use zmid=0.
DIVERGING = ((0.0, NEGATIVE), (0.5, "#F7F7F7"), (1.0, POSITIVE))

# Font sizes in px; nothing a student must read is smaller than FONT["small"].
# noto-sans-sc-subset: the app's own CJK font (static/, .streamlit/config.toml), for CJK characters only.
FONT = {"family": "Arial, noto-sans-sc-subset, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
        "small": 16, "base": 18, "title": 22}


def sign_color(x: float) -> str:
    """POSITIVE for x >= 0, NEGATIVE otherwise."""
    return POSITIVE if x >= 0 else NEGATIVE


def rgba(hex_color: str, alpha: float) -> str:
    """'#RRGGBB' -> 'rgba(r, g, b, alpha)'."""
    h = hex_color.lstrip("#")
    r, g, b = (int(h[k:k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha:g})"
