"""Predict-then-reveal: one question per phase, the same for everyone in the room, graded fairly."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .session import Phase, StepRecord


@dataclass(frozen=True)
class Question:
    """What to predict about ``phase`` of ``record``. kind: forward (a), loss, backward (dL/dz),
    update (sign of the change of W[i, j]); ``truth`` is the revealed value."""

    kind: str
    layer: int | None
    unit: int | None
    i: int | None
    truth: float
    sample: int


@dataclass(frozen=True)
class Grade:
    """level: exact | close | far (numbers) or right | wrong (direction); error = |guess - truth|."""

    level: str
    error: float


def question_for(record: StepRecord, phase: Phase, sample: int) -> Question:
    """A deterministic question (depends only on the iteration and phase, so a class shares it)."""
    seed = record.iteration * 31 + (phase.layer or 0) * 7 + len(phase.kind)
    if phase.kind == "loss":
        return Question("loss", None, None, None, float(record.backward.loss), sample)
    layer = phase.layer if phase.layer is not None else 0
    if phase.kind == "update":
        dw = record.update.delta_weights
        layer = seed % len(dw)
        n_in, n_out = dw[layer].shape
        i, j = seed % n_in, (seed // 3) % n_out
        return Question("update", layer, j, i, float(dw[layer][i, j]), sample)
    width = record.forward.layers[layer].a.shape[1]
    j = seed % width
    if phase.kind == "forward":
        return Question("forward", layer, j, None, float(record.forward.layers[layer].a[sample, j]), sample)
    return Question("backward", layer, j, None, float(record.backward.layers[layer].dZ[sample, j]), sample)


def grade(q: Question, guess: float) -> Grade:
    """Numbers: exact within 1%, close within 10% (with a small absolute slack per kind); updates: direction."""
    if q.kind == "update":
        truth_sign = int(np.sign(q.truth))
        return Grade("right" if int(np.sign(guess)) == truth_sign else "wrong", abs(guess - q.truth))
    if not math.isfinite(guess):
        return Grade("far", math.inf)
    err = abs(guess - q.truth)
    scale = abs(q.truth)
    abs_exact, abs_close = ABS_TOLERANCE[q.kind]
    if err <= max(0.01 * scale, abs_exact):
        return Grade("exact", err)
    if err <= max(0.1 * scale, abs_close):
        return Grade("close", err)
    return Grade("far", err)


# Absolute slack (exact, close) per kind: activations live on an O(1) scale, gradients are often tiny,
# so a guess of 0 must not count as close to a small but real dL/dz.
ABS_TOLERANCE = {"forward": (1e-3, 0.02), "loss": (1e-4, 1e-3), "backward": (1e-7, 1e-6)}
