"""Where a run is, as a small JSON-safe record, and how another Session gets to exactly that place.

The live class publishes the teacher's ``Position`` (the Config, the mid-run settings changes, the
iteration, the phase cursor, whether the next step diverges); a student's browser rebuilds the same
Session state from it. Sessions are deterministic, so the numbers are bit-identical: ``reach`` moves a
session forward by stepping, back through its checkpoints (the same exact rewind Back uses), or
replays from iteration 0 when it is on another run.

A run that is not a function of its Config (uploaded CSV data, parameters moved by hand, a run loaded
from a file) has no Position: ``position_of`` returns None and says so through ``unshareable``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .config import FIELD_BY_NAME, Config, decode, encode
from .session import Session, Settings, run_key, settings_of

# The Config fields a mid-run change may touch (they make a Settings); the others define the run.
SETTINGS_FIELDS = ("hidden_act", "output_act", "loss", "reg", "reg_rate", "train_biases", "optimizer", "lr",
                   "beta", "beta1", "beta2", "eps", "batch", "batch_size")
MAX_SEGMENTS = 200  # mid-run changes a position may carry (a teacher dragging a slider makes a few)


@dataclass(frozen=True)
class Position:
    """A run and a place in it: ``segments`` are (start, Settings): iterations after ``start`` use them."""

    config: Config
    segments: tuple[tuple[int, Settings], ...]
    iteration: int
    phase: int
    diverged: bool = False


def unshareable(s: Session) -> str | None:
    """Why ``s`` cannot be rebuilt from its Config ('csv' | 'edited' | 'loaded'), or None."""
    if s.config.dataset == "csv":
        return "csv"
    if s.edited:
        return "edited"
    if s.checkpoints.floor > 0:
        return "loaded"
    return None


def position_of(s: Session) -> Position | None:
    """Where ``s`` is (None when it cannot be rebuilt elsewhere: see ``unshareable``)."""
    if unshareable(s) is not None:
        return None
    return Position(s.config, _canonical(s.segments), s.iteration, s.phase, s.diverged is not None)


def _canonical(segments: Sequence[tuple[int, Settings]]) -> tuple[tuple[int, Settings], ...]:
    """The same segments without repeats of the settings before them."""
    out: list[tuple[int, Settings]] = []
    for start, st in segments:
        if out and out[-1][1] == st:
            continue
        if out and out[-1][0] == start:
            out.pop()
        out.append((int(start), st))
    return tuple(out)


def _prefix(segments: Sequence[tuple[int, Settings]], k: int) -> tuple[Settings, ...]:
    """The settings iterations 1..k run with, as the sequence of distinct changes (with their starts)."""
    kept = [(max(0, s0), st) for s0, st in segments if s0 < k] or list(segments[:1])
    out: list[tuple[int, Settings]] = []
    for s0, st in kept:
        if out and out[-1][1] == st:
            continue
        out.append((s0, st))
    if out:
        out[0] = (0, out[0][1])
    return tuple(out)


# -- JSON -----------------------------------------------------------------------------------------
def config_with(cfg: Config, st: Settings) -> Config:
    """``cfg`` carrying the settings ``st`` (the inverse of ``settings_of`` on the settings fields)."""
    acts = st.activations
    return cfg.replace(hidden_act=acts[0] if len(acts) > 1 else cfg.hidden_act, output_act=acts[-1], loss=st.loss,
                       reg=st.regularization, reg_rate=st.reg_rate, train_biases=st.train_biases,
                       optimizer=st.optimizer, lr=st.lr, beta=st.beta, beta1=st.beta1, beta2=st.beta2, eps=st.eps,
                       batch=st.batch, batch_size=st.batch_size)


def to_dict(p: Position) -> dict[str, Any]:
    """A JSON-safe dict (floats as repr strings: they round-trip bit-exactly)."""
    segs = []
    for start, st in p.segments:
        c = config_with(p.config, st)
        segs.append([start, {f: FIELD_BY_NAME[f].dump(getattr(c, f)) for f in SETTINGS_FIELDS}])
    return {"config": encode(p.config), "segments": segs, "iteration": p.iteration, "phase": p.phase,
            "diverged": p.diverged}


def _int(v: Any, lo: int, hi: int, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ValueError(f"{what}: a whole number from {lo} to {hi}")
    return v


def from_dict(d: Any, max_iteration: int) -> Position:
    """The Position a dict names, validated field by field like a link (ValueError says what is wrong)."""
    if not isinstance(d, Mapping):
        raise ValueError("a position is a JSON object")
    params = d.get("config")
    if not isinstance(params, Mapping) or not all(isinstance(v, str) for v in params.values()):
        raise ValueError("config: an object of strings")
    cfg, notes = decode(params)
    if notes:
        raise ValueError(f"config: {notes[0].key} = {notes[0].given!r} is not {notes[0].expected}")
    segs = d.get("segments")
    if not isinstance(segs, list) or not 1 <= len(segs) <= MAX_SEGMENTS:
        raise ValueError(f"segments: a list of 1 to {MAX_SEGMENTS}")
    iteration = _int(d.get("iteration"), 0, max_iteration, "iteration")
    segments = []
    for item in segs:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], Mapping)
                and set(item[1]) <= set(SETTINGS_FIELDS) and all(isinstance(v, str) for v in item[1].values())):
            raise ValueError("segments: [start, {setting: text}] pairs")
        start = _int(item[0], 0, max_iteration, "segment start")
        c, notes = decode(item[1], base=cfg)
        if notes or run_key(c) != run_key(cfg):
            raise ValueError("segments: settings that cannot run")
        if segments and start <= segments[-1][0]:
            raise ValueError("segments: starts must increase")
        segments.append((start, settings_of(c)))
    if segments[0][0] != 0 or segments[-1][1] != settings_of(cfg):
        raise ValueError("segments: must start at 0 and end with the config's settings")
    phase = _int(d.get("phase"), 0, 2 * (len(cfg.hidden) + 1) + 2, "phase")
    diverged = d.get("diverged", False)
    if not isinstance(diverged, bool):
        raise ValueError("diverged: true or false")
    return Position(cfg, tuple(segments), iteration, phase, diverged)


# -- getting there --------------------------------------------------------------------------------
def reach(s: Session | None, p: Position) -> Session:
    """A Session at ``p``: ``s`` itself moved there when it is on the same path (same run, same
    settings for every iteration it keeps), else a new one replayed from iteration 0. Forward is
    stepping, backward the exact rewind Back uses. Deterministic: the numbers equal those of the
    session ``p`` was taken from, bit for bit."""
    if s is None or unshareable(s) is not None or run_key(s.config) != run_key(p.config):
        s = _fresh(p)
    if s.mid_iteration:  # drop the open iteration: the committed state before it stays
        s.record, s._open_next, s.phase = None, None, 0
    k = min(s.iteration, p.iteration)
    if _prefix(s.segments, k) != _prefix(p.segments, k):
        s = _fresh(p)  # another path since iteration k: replay from the start
    s.config, s.diverged, s._preview = p.config, None, None
    s.segments = list(p.segments)
    if s.iteration > p.iteration:
        s._rewind(p.iteration)  # only folds segments after p.iteration: iterations up to it are p's
        s.segments = list(p.segments)
    while s.iteration < p.iteration:
        if s.step() is None:  # not on the teacher's own path (it reached p.iteration); stop, never loop
            break
    _show_phase(s, p.phase)
    if p.diverged and s.diverged is None and not s.mid_iteration:
        s._compute()  # the teacher's next step diverged here: so does this one (sets ``diverged``)
    s._last_action = "step"
    return s


def _fresh(p: Position) -> Session:
    """Iteration 0 of ``p``'s run, started as the teacher's was: with the first segment's settings."""
    return Session(config_with(p.config, p.segments[0][1]))


def _show_phase(s: Session, phase: int) -> None:
    """At a committed iteration, show ``phase`` phases: 0 (nothing yet), all (that iteration's record),
    or the next iteration walked to ``phase``."""
    n = len(s.phases)
    done = s.phase == n and s.record is not None and s.record.iteration == s.iteration
    if phase == 0 or s.iteration <= s.checkpoints.floor and phase >= n:
        s.record, s._open_next, s.phase = None, None, 0
    elif phase >= n:
        if not done:
            segments = s.segments
            s._commit(s._redo(s.iteration))
            s.segments = segments
    else:
        for _ in range(phase):
            s.next_phase()
