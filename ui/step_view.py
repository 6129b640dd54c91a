"""The parts of the Step-through page: controls, status, quiz, diagram, explanation."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from backprop_core.datasets import image_side
from backprop_core.quiz import grade, question_for
from backprop_core.session import Session, batch_size_of
from viz import equations, names, network

from . import actions, live
from .charts import live_plotly
from .i18n import bound, labels, name_words, t
from .state import AppState

SPEEDS = ((1, 1.0), (1, 0.5), (5, 0.5), (20, 0.5))  # (iterations per tick, seconds per tick)


def controls(app: AppState) -> None:
    s = app.session
    stuck = s.diverged is not None
    # One horizontal container, not columns: every block is one more message the browser applies per click.
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.button(t("step.back"), on_click=actions.back, args=(app,), shortcut="B", help=t("step.back.help"),
                  icon=":material/undo:", disabled=s.iteration == 0 and s.phase == 0, width="stretch")
        st.button(t("step.next"), on_click=actions.next_phase, args=(app,), type="primary", shortcut="N",
                  icon=":material/skip_next:", help=t("step.next.help"), width="stretch", disabled=stuck)
        st.button(t("step.step"), on_click=actions.step, args=(app, 1), shortcut="S", help=t("step.step.help"),
                  icon=":material/redo:", width="stretch", disabled=stuck)
        st.button(t("step.step10"), on_click=actions.step, args=(app, 10), icon=":material/fast_forward:",
                  width="stretch", disabled=stuck)
        playing = app.playing
        st.button(t("step.pause") if playing else t("step.play"), on_click=actions.toggle_play, args=(app,),
                  icon=":material/pause:" if playing else ":material/play_arrow:", shortcut="P", width="stretch",
                  disabled=stuck and not playing)
        st.button(t("step.reset"), on_click=actions.reset, args=(app,), help=t("step.reset.help"),
                  icon=":material/restart_alt:", width="stretch")


def speed_picker() -> None:
    """Play's speed. Outside the live fragment: a change reruns the page, which sets the new interval."""
    T = bound()
    st.session_state.setdefault("speed", 1)
    st.selectbox(t("step.speed"), range(len(SPEEDS)), key="speed", width=200,
                 format_func=lambda i: T("step.speed.fmt", n=SPEEDS[i][0], s=SPEEDS[i][1]))


def play_interval(app: AppState) -> float | None:
    return SPEEDS[st.session_state.get("speed", 1)][1] if app.playing else None


def tick(app: AppState) -> None:
    """One tick of Play: a few iterations, stopping (and saying so) on divergence."""
    if not app.playing:
        return
    n = SPEEDS[st.session_state.get("speed", 1)][0]
    app.session.run(actions.capped(app.session, n))
    if app.session.diverged is not None:
        app.playing = False
        st.rerun(scope="app")


# -- what is shown ---------------------------------------------------------------------------------
def shown_phase(app: AppState) -> int:
    """The phase on screen: one less than the session's while a quiz question is open."""
    p = app.session.phase
    pending = app.quiz.get("pending")
    return p - 1 if pending is not None and pending == (app.session.iteration, p) else p


def status(app: AppState) -> None:
    s, p = app.session, shown_phase(app)
    with st.container(horizontal=True, gap="medium", vertical_alignment="bottom"):
        st.metric(t("status.iteration"), f"{s.iteration:,}", width=150)
        st.metric(t("status.epoch"), f"{s.epoch:.2f}", width=150)
        loss = shown_loss(s, p)
        st.metric(t("status.loss"), "—" if loss is None or not math.isfinite(loss) else f"{loss:.5g}", width=190)
        st.progress(p / len(s.phases), text=f"**{t('status.phase')}** · {phase_title(s, p)}")


def shown_loss(s: Session, p: int) -> float | None:
    """The loss on screen once the open iteration's loss phase is shown (p phases of it), else the last
    committed iteration's (None before the first)."""
    if s.record is not None and s.mid_iteration and p > [ph.kind for ph in s.phases].index("loss"):
        return s.record.backward.loss
    return s.history.last().get("loss")


def phase_title(s: Session, p: int) -> str:
    if p == 0:
        return "—"
    ph = s.phases[p - 1]
    name = t(f"step.phase.{ph.kind}", l=(ph.layer or 0) + 1)
    return f"{name} ({t('step.phase.of', i=p, n=len(s.phases))})"


def _set_projector(app: AppState) -> None:
    app.projector = bool(st.session_state["projector_on"])


def projector_toggle(app: AppState) -> None:
    """Projector mode (``app.projector``, also in the link): the diagram and equations sized for a room."""
    st.session_state["projector_on"] = app.projector
    st.toggle(t("step.projector"), key="projector_on", help=t("step.projector.help"), on_change=_set_projector,
              args=(app,))


EDGES_K = (5, 10, 20, 50, 100)


def is_wide(app: AppState) -> bool:
    """Whether the diagram draws a wide layer as a grid (then only the k strongest edges per layer)."""
    return max(app.session.net.sizes) > 16


def edges_k() -> int:
    return int(st.session_state.get("edges_k", 20))


def edges_k_picker(app: AppState) -> None:
    """How many of the strongest edges a wide diagram draws per layer (of the focused neuron: in and out)."""
    if not is_wide(app):
        return
    st.session_state.setdefault("edges_k", 20)
    st.selectbox(t("step.edges_k"), EDGES_K, key="edges_k", width=160, help=t("step.edges_k.help"))


def _max_batch(app: AppState) -> int:
    s = app.session
    return min(batch_size_of(s.settings, s.dataset.n_train), 256)


def _pick_sample(app: AppState) -> None:
    app.sample = int(st.session_state["sample"])


def sample_picker(app: AppState) -> None:
    """Which sample of the batch the per-sample numbers are for. Outside the live fragment (its options
    change only with the batch size, which reruns the page); the row it is shows in the batch note."""
    T = bound()
    b = _max_batch(app)
    if b <= 1:
        return
    app.sample = min(app.sample, b - 1)
    st.session_state["sample"] = app.sample
    words = name_words()  # now: format_func may be called after the run, when the language is not known
    st.selectbox(t("step.sample"), range(b), key="sample", help=t("step.sample.help"), width=260,
                 on_change=_pick_sample, args=(app,),
                 format_func=lambda i: T("step.sample.fmt", name=names.sample(i, words)))


def sample(app: AppState) -> int:
    """The sample shown: the one picked, within this iteration's batch (an epoch's last batch may be short)."""
    rec = app.session.record
    b = rec.batch.size if rec is not None else 1
    return min(app.sample, b - 1)


ALL = "all"  # the picker's "no focus" option (a None value would show Streamlit's empty placeholder)


def _focus_options(app: AppState) -> list:
    sizes = app.session.net.sizes
    return [ALL] + [(li, j) for li in range(1, len(sizes)) for j in range(min(sizes[li], 128))]


def _pick_focus(app: AppState) -> None:
    f = st.session_state["focus"]
    app.focus = None if f == ALL else f


def focus_picker(app: AppState) -> None:
    """Which neuron the diagram centres on (``app.focus``, also in the link). Outside the live
    fragment (its options change only with the network, which reruns the page)."""
    T = bound()
    opts = _focus_options(app)
    if app.focus not in opts:
        app.focus = None
    st.session_state["focus"] = app.focus or ALL
    words = name_words()  # now, not in format_func (it may run after the script, language unknown)
    st.selectbox(t("step.focus"), opts, key="focus", width=260, on_change=_pick_focus, args=(app,),
                 format_func=lambda o: T("step.focus.none") if o == ALL else names.neuron(o[0] - 1, o[1], words))


def focus(app: AppState) -> tuple[int, int] | None:
    """The focus picked, if it still names a unit of the current network."""
    return app.focus if app.focus in _focus_options(app) else None


def diagram(app: AppState, sample: int, focus) -> None:
    s, p = app.session, shown_phase(app)
    rec = s.record if p else None
    phase = s.phases[p - 1] if p else None
    lab = labels(network.NETWORK_LABELS, "fig.network")

    def build() -> dict:
        net = s.net_before(rec) if rec is not None else s.net
        return network.network_spec(net, network.view_for(rec, phase, sample), labels=lab, focus=focus,
                                    projector=app.projector, image_side=image_side(s.config.dataset),
                                    edges_k=edges_k())

    # the figure is a function of these alone: a class following one teacher shares it (ui/charts.py)
    refs = (rec,) if rec is not None else (s.net,)
    values = (p, sample, focus, app.projector, edges_k(), tuple(sorted(lab.items())))
    live_plotly(build, key="diagram", config={"displayModeBar": False}, shared=(refs, values))


def explanation(app: AppState, sample: int, focus) -> None:
    s, p = app.session, shown_phase(app)
    if p == 0:
        st.info(t("step.phase.none"))
        return
    rec, ph = s.record, s.phases[p - 1]
    unit = focus[1] if focus and ph.layer is not None and focus[0] == ph.layer + 1 else 0
    st.caption(t(f"step.explain.{ph.kind}"))
    lines = _latex_lines(rec, ph, unit, sample)
    if lines:  # one typeset block, not one per line: each element is one more thing the browser redraws
        size = r"\Large " if app.projector else ""  # KaTeX's \Large: 1.44x, readable from the back row
        st.latex(size + r"\begin{gathered}" + r" \\[10pt] ".join(lines) + r"\end{gathered}")
    left, _ = st.columns([3, 1])
    with left:
        if ph.kind in ("forward", "backward"):
            rows = equations.table_rows(rec, ph, sample)
            if rows:
                st.markdown(f"**{t('step.table')}**")
                table = _table(rows)
                fmt = {c: st.column_config.NumberColumn(format="%.4g") for c in table if c != t("step.col.unit")}
                st.dataframe(table, hide_index=True, width="stretch", column_config=fmt)
        if rec.batch.size > 1:
            st.caption(t("step.batch_note", b=rec.batch.size,
                         name=names.sample_row(sample, int(rec.batch[sample]), name_words())))


def _latex_lines(rec, ph, unit: int, sample: int) -> list[str]:
    lab = labels(equations.EQUATION_LABELS, "fig.eq")
    if ph.kind == "forward":
        return equations.forward_latex(rec, ph.layer, unit, sample, labels=lab)
    if ph.kind == "loss":
        return equations.loss_latex(rec, sample, labels=lab)
    if ph.kind == "backward":
        return equations.backward_latex(rec, ph.layer, unit, sample, labels=lab)
    layer = len(rec.update.delta_weights) - 1
    d = np.abs(rec.update.delta_weights[layer])
    i, j = np.unravel_index(int(np.argmax(d)), d.shape)
    return equations.update_latex(rec, layer, int(i), int(j), labels=lab)


def _table(rows: list[dict]) -> dict:
    """Columns (translated) of the active layer's table, dropping columns not revealed yet."""
    keys = [k for k in rows[0] if any(r[k] is not None for r in rows)]
    # the unit column is 1-based like the equations' subscripts (z₁ is neuron 1)
    return {t(f"step.col.{k}"): [names.neuron_number(r[k]) if k == "unit" else r[k] for r in rows] for k in keys}


# -- quiz -------------------------------------------------------------------------------------------
def quiz_box(app: AppState, sample: int) -> None:
    T = bound()
    pending = app.quiz.get("pending")
    s = app.session
    if pending is None or pending != (s.iteration, s.phase) or s.record is None:
        _last_result(app)
        return
    ph = s.phases[s.phase - 1]
    q = question_for(s.record, ph, min(sample, s.record.batch.size - 1))
    with st.container(border=True):
        if q.kind == "update":
            n_in = s.record.update.delta_weights[q.layer].shape[0]
            st.markdown(f"**{t('quiz.update', w=names.weight(q.layer, q.i, q.unit))}**  ({n_in}×…)")
        else:
            lg = name_words()
            who = names.neuron(q.layer or 0, q.unit, lg) if q.unit is not None else ""  # the loss: no neuron
            st.markdown(f"**{t('quiz.' + q.kind, unit=who, name=names.sample(q.sample, lg))}**")
        if live.student_form(app, q):  # a following student: the answer goes to the room
            st.caption(t(f"quiz.hint.{q.kind}"))
            return
        if q.kind == "update":
            guess = st.radio(t("quiz.answer"), (1.0, -1.0), horizontal=True, key="quiz_dir",
                             format_func=lambda v: T("quiz.up") if v > 0 else T("quiz.down"))
        else:
            guess = st.number_input(t("quiz.answer"), value=0.0, format="%.4f", step=0.01, key="quiz_value")
        st.caption(t(f"quiz.hint.{q.kind}"))
        live.class_answers(app, q)  # the teacher of a class: how the room answered so far
        c = st.columns(2)
        c[0].button(t("quiz.reveal"), type="primary", on_click=_reveal, args=(app, q, guess), key="quiz_reveal")
        c[1].button(t("quiz.skip"), on_click=_skip, args=(app,), key="quiz_skip")


def _skip(app: AppState) -> None:
    app.quiz.pop("pending", None)
    live.sync(app)


def _reveal(app: AppState, q, guess: float) -> None:
    live.reveal(app)  # a class poll: the room sees the answer too (first: the open question names the poll)
    g = grade(q, float(guess))
    app.quiz.pop("pending", None)
    app.quiz["last"] = (q, float(guess), g)
    app.quiz["total"] = app.quiz.get("total", 0) + 1
    app.quiz["right"] = app.quiz.get("right", 0) + (g.level in ("exact", "close", "right"))
    live.sync(app)


def _last_result(app: AppState) -> None:
    last = app.quiz.get("last")
    if not last or not st.session_state.get("quiz_on"):
        return
    q, guess, g = last
    if q.kind == "update":
        d = t("quiz.up") if q.truth > 0 else t("quiz.down")
        text = t(f"quiz.{g.level}_dir", dir=d, delta=f"{q.truth:+.4g}")
    else:
        text = t(f"quiz.{g.level}", truth=f"{q.truth:.4g}", guess=f"{guess:.4g}", err=f"{g.error:.2g}")
    (st.success if g.level in ("exact", "right") else st.info if g.level == "close" else st.warning)(text)
    live.class_result(app, q)
    st.caption(t("quiz.score", right=app.quiz.get("right", 0), total=app.quiz.get("total", 0)))
