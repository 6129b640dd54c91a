"""Which numbers a phase of an iteration has put on screen, so nothing appears before its phase:
the network diagram, the equations and the value table all ask ``reveal_of`` (and clamp the shown
sample with ``clamp_sample``). Phases are the session's: forward 1..L, loss, backward L..1, update."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reveal:
    """Which numbers are on screen: z, a of weight layers < ``forward_upto``; loss and targets if
    ``loss``; dA, dZ, dW, db of weight layers >= ``backward_from``; old -> new if ``update``."""

    forward_upto: int
    loss: bool
    backward_from: int
    update: bool

    def forward(self, layer: int) -> bool:
        return layer < self.forward_upto

    def backward(self, layer: int) -> bool:
        return layer >= self.backward_from


def reveal_of(phase, n_layers: int) -> Reveal:
    """Reveal for a session Phase (kind forward|loss|backward|update, 0-based layer) of a record;
    phase None: a finished iteration, everything shown. (Without a record there is nothing to reveal:
    the diagram then shows the weights only, see ``viz.network.view_for``.)"""
    if phase is None or phase.kind == "update":
        return Reveal(n_layers, True, 0, True)
    if phase.kind == "forward":
        return Reveal(phase.layer + 1, False, n_layers, False)
    if phase.kind == "loss":
        return Reveal(n_layers, True, n_layers, False)
    if phase.kind == "backward":
        return Reveal(n_layers, True, phase.layer, False)
    raise ValueError(f"Unknown phase kind {phase.kind!r}.")


def active_layer(phase, n_layers: int) -> int:
    """The weight layer a phase works on (loss and update: the output layer)."""
    if phase is None or phase.layer is None:
        return n_layers - 1
    return phase.layer


def clamp_sample(record, sample: int | None) -> int | None:
    """A valid row of the record's batch (the last one if ``sample`` is past the end)."""
    if sample is None:
        return None
    n = record.forward.x.shape[0]
    return int(min(max(int(sample), 0), n - 1))
