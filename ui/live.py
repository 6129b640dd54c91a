"""The live class: a teacher's browser publishes what it shows to a room; students' browsers follow.

Roles live in ``app.live`` (one ``Live`` per browser session):
- the teacher (holds the room's secret token): after every step action (``ui/actions.py`` hooks), every
  settings change (app.py) and every Play tick, ``sync`` publishes the view when it changed (a few
  hundred bytes; a lookup and a write, well under a millisecond in memory, about one with Redis);
- a student (code only): a small fragment polls the room's version every ``POLL_SECONDS``; only when it
  changed is the view fetched, the position rebuilt (``backprop_core.follow``, bit-exact) and the
  page rerun. Nothing a student does writes to the room except a poll answer and a heartbeat.

Two deliberate process-wide resources (documented, thread-safe): the room store (``classroom``) and
``_FOLLOWED``, one rebuilt Session per room shared by every follower on this server, so 40 students
pay for one step of replay per teacher click and each takes a cheap clone.
"""

from __future__ import annotations

import io
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import streamlit as st

import backprop_core as bp
from backprop_core import follow
from backprop_core.config import Notice
from backprop_core.quiz import grade
from classroom.codes import parse_code, parse_token
from classroom.store import AnswerRejected, RoomStore, StoreUnavailable, store_from_env
from viz.poll import DEFAULT_LABELS as POLL_LABELS
from viz.poll import poll_figure

from .i18n import labels, t
from .state import AppState, replay_cap

POLL_SECONDS = 0.5  # a student's screen follows within about this (plus one rerun)
COUNT_SECONDS = 2.0  # the teacher's "students following" and poll counts refresh this often
BEAT_SECONDS = 5.0  # heartbeats (a follower counts for classroom.store.FOLLOWER_WINDOW = 15 s)
MAX_FOLLOW_ITERATION = 200_000


@dataclass
class Live:
    """This browser's part in a room. ``token`` only for the teacher; ``version`` the last seen."""

    code: str
    token: str | None = None
    following: bool = True
    version: int = 0
    published: dict | None = None
    sid: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    beat: float = 0.0
    problem: str | None = None  # 'down' (store unreachable) | 'ended' | 'replay' | 'view' | 'unshareable'
    page: str | None = None  # the page the teacher is on (for the student's link to it)
    answered: dict = field(default_factory=dict)  # poll id -> this student's answer
    redraw: bool = False  # the role changed inside a fragment's callback: the whole page must redraw
    revealed: str | None = None  # the last poll whose result this student has seen

    @property
    def teacher(self) -> bool:
        return self.token is not None


# -- process-wide resources ------------------------------------------------------------------------
_STORE: list = []
_STORE_LOCK = threading.Lock()


def store() -> RoomStore:
    """The room store (Redis when BACKPROP_LAB_REDIS_URL is set, else this process's memory)."""
    with _STORE_LOCK:
        if not _STORE:
            try:
                _STORE.append(store_from_env())
            except ImportError as exc:  # BACKPROP_LAB_REDIS_URL set but the redis package missing
                raise StoreUnavailable(f"the redis package is not installed ({exc})") from None
        return _STORE[0]


@dataclass
class _Followed:
    lock: threading.Lock
    version: int = -1
    session: bp.Session | None = None


_FOLLOWED: OrderedDict[str, _Followed] = OrderedDict()
_FOLLOWED_LOCK = threading.Lock()
MAX_ROOMS_CACHED = 64


def _followed_entry(code: str) -> _Followed:
    with _FOLLOWED_LOCK:
        entry = _FOLLOWED.get(code)
        if entry is None:
            entry = _FOLLOWED[code] = _Followed(threading.Lock())
            while len(_FOLLOWED) > MAX_ROOMS_CACHED:
                _FOLLOWED.popitem(last=False)
        _FOLLOWED.move_to_end(code)
        return entry


def followed_session(code: str, version: int, pos: follow.Position) -> bp.Session:
    """A Session at ``pos`` for this browser: a clone of the server's one rebuilt Session of the room
    (moved from where it last was: one step per teacher click, not a replay from 0). Raises
    ``ReplayTooLong`` when getting there from scratch is beyond a link's replay budget."""
    entry = _followed_entry(code)
    with entry.lock:
        if entry.version != version or entry.session is None:
            here = entry.session
            on_run = here is not None and bp.session.run_key(here.config) == bp.session.run_key(pos.config)
            start = here.iteration if on_run else 0
            if pos.iteration - start > replay_cap(pos.config, bp.session.dataset_for(pos.config)) and \
                    pos.iteration > start:
                raise ReplayTooLong(pos.iteration)
            entry.session = follow.reach(here, pos)
            entry.version = version
        return entry.session.clone()


class ReplayTooLong(RuntimeError):
    pass


# -- what the teacher publishes ----------------------------------------------------------------------
def view_of(app: AppState, page: str | None) -> dict:
    """The room's view: where the run is, the sample and focus shown, the quiz, the teacher's page."""
    pos = follow.position_of(app.session)
    pending = app.quiz.get("pending")
    focus = app.focus
    return {"pos": follow.to_dict(pos) if pos is not None else None,
            "why": follow.unshareable(app.session), "sample": int(app.sample),
            "focus": list(focus) if isinstance(focus, tuple) else None,
            "quiz": bool(st.session_state.get("quiz_on")), "pending": list(pending) if pending else None,
            "poll": poll_id(pending, app.sample) if pending else None, "page": page}


def poll_id(pending, sample: int) -> str:
    it, ph = pending
    return f"q{int(it)}-{int(ph)}-{int(sample)}"


def start(app: AppState, page: str | None = None) -> None:
    """Open a room with this browser as its teacher (the Start a class button)."""
    try:
        code, token = store().create(view_of(app, page))
    except StoreUnavailable:
        st.session_state["_live_problem"] = "down"
        return
    app.live = Live(code, token=token, version=1, page=page)
    app.live.published = view_of(app, page)
    if on_action not in app.action_hooks:
        app.action_hooks.append(on_action)


def end(app: AppState) -> None:
    """End class: the room is deleted; students get a notice and keep their screens."""
    live = app.live
    if live is not None and live.teacher:
        try:
            store().end(live.code, live.token)
        except (StoreUnavailable, PermissionError):
            pass
    app.live = None


def sync(app: AppState, page: str | None = None) -> None:
    """Teacher: publish the view if it changed since the last publish (cheap when it did not)."""
    live = app.live
    if live is None or not live.teacher:
        return
    if page is not None:
        live.page = page
    view = view_of(app, live.page)
    if view == live.published and live.problem in (None, "unshareable"):
        return
    try:
        if view["poll"] and (live.published or {}).get("poll") != view["poll"]:
            store().open_poll(live.code, live.token, view["poll"])
        live.version = store().publish(live.code, live.token, view)
        live.published = view
        live.problem = None if view["pos"] is not None else "unshareable"
    except StoreUnavailable:
        live.problem = "down"  # kept trying at every change: when the store is back, so is the room
    except PermissionError:  # expired (idle past the TTL), ended from another device, or a store that lost it
        live.problem = "ended"


def on_action(app: AppState, name: str, details: dict) -> None:
    """The step-action hook (ui/actions.py): the teacher publishes; a following student detaches
    (their own click means they explore on their own from here)."""
    live = app.live
    if live is None:
        return
    if live.teacher:
        sync(app)
    elif live.following:
        live.following, live.redraw = False, True


def reveal(app: AppState) -> None:
    """Teacher: reveal the class poll's answer to the room (called while the question is still open)."""
    live = app.live
    pending = app.quiz.get("pending")
    if live is None or not live.teacher or not pending:
        return
    app.quiz["last_poll"] = poll_id(pending, app.sample)
    try:
        store().reveal(live.code, live.token)
    except (StoreUnavailable, PermissionError):
        live.problem = "down"


# -- joining ---------------------------------------------------------------------------------------
def join(app: AppState, params: dict) -> None:
    """From a link: ``?room=CODE`` follows, ``?room=CODE&teacher=TOKEN`` resumes teaching. A bad or
    unknown code, or a token that does not match, gives a notice and the app runs solo."""
    raw, raw_token = params.get("room"), params.get("teacher")
    if raw is None:
        return
    raw = raw[-1] if isinstance(raw, list) and raw else raw
    code = parse_code(raw)
    if code is None:
        app.notices.append(Notice("room", str(raw)[:40], t("live.notice.code")))
        return
    try:
        room = store().get(code)
    except StoreUnavailable:
        app.notices.append(Notice("room", code, t("live.notice.down")))
        return
    if room is None:
        app.notices.append(Notice("room", code, t("live.notice.unknown")))
        return
    app.live = live = Live(code)
    if on_action not in app.action_hooks:
        app.action_hooks.append(on_action)
    if raw_token is not None:
        token = parse_token(raw_token[-1] if isinstance(raw_token, list) and raw_token else raw_token)
        try:
            if token is None:
                raise PermissionError
            store().publish(code, token, room.view)  # the check is the store's own (constant time)
            live.token = token
        except PermissionError:
            app.notices.append(Notice("teacher", "…", t("live.notice.token")))
        except StoreUnavailable:
            app.notices.append(Notice("room", code, t("live.notice.down")))
    _apply_room(app, room)
    if live.teacher:
        live.following = False
        live.published = None  # publish this browser's view at the next sync
        sync(app)


def _apply_room(app: AppState, room) -> bool:
    """Show the room's view in this browser (student, or a teacher resuming). True if it moved."""
    live = app.live
    view = room.view
    live.version, live.page = room.version, view.get("page")
    if view.get("pos") is None:
        live.problem = "unshareable"
        return False
    try:
        pos = follow.from_dict(view["pos"], MAX_FOLLOW_ITERATION)
        session = followed_session(live.code, room.version, pos)
    except ReplayTooLong:
        live.problem = "replay"
        return False
    except (ValueError, KeyError, TypeError):
        live.problem = "view"
        return False
    live.problem = None
    app.session, app.playing = session, False
    sample, focus = view.get("sample"), view.get("focus")
    app.sample = sample if isinstance(sample, int) and sample >= 0 else 0
    good = isinstance(focus, list) and len(focus) == 2 and all(isinstance(v, int) for v in focus)
    app.focus = tuple(focus) if good else None
    st.session_state["quiz_on"] = bool(view.get("quiz"))
    pending = view.get("pending")
    if isinstance(pending, list) and len(pending) == 2 and room.poll and not room.revealed:
        app.quiz["pending"] = tuple(pending)
        app.quiz["poll"] = room.poll
    else:
        app.quiz.pop("pending", None)
        if room.poll and room.revealed and live.revealed != room.poll:
            _show_result(app, room.poll)
    app.reseed_widgets = True
    return True


def _show_result(app: AppState, qid: str) -> None:
    """After the teacher reveals: this student's answer graded against the true value."""
    live = app.live
    live.revealed = qid
    q = app.quiz.get("question")
    mine = live.answered.get(qid)
    if q is not None and q[0] == qid and mine is not None:
        g = grade(q[1], mine)
        app.quiz["last"] = (q[1], mine, g)
        app.quiz["total"] = app.quiz.get("total", 0) + 1
        app.quiz["right"] = app.quiz.get("right", 0) + (g.level in ("exact", "close", "right"))


def follow_again(app: AppState) -> None:
    live = app.live
    if live is None:
        return
    live.following = True
    live.version = 0  # the poll fetches the room at once


def explore(app: AppState) -> None:
    if app.live is not None:
        app.live.following = False


def leave(app: AppState) -> None:
    app.live = None


def poll(app: AppState) -> None:
    """Student: the tiny fragment that watches the room (only the version, unless it changed)."""
    live = app.live
    if live is None or live.teacher or not live.following:
        return
    _watch(app)


@st.fragment(run_every=POLL_SECONDS)
def _watch(app: AppState) -> None:
    live = app.live
    if live is None or not live.following:
        return
    before = live.problem
    try:
        now = time.monotonic()
        if now - live.beat > BEAT_SECONDS:
            store().heartbeat(live.code, live.sid)
            live.beat = now
        version = store().version(live.code)
        if version is None:
            live.problem, live.following = "ended", False
        elif version != live.version:
            room = store().get(live.code)
            if room is None:
                live.problem, live.following = "ended", False
            else:
                _apply_room(app, room)
                st.rerun(scope="app")
        elif live.problem == "down":
            live.problem = None
    except StoreUnavailable:
        live.problem = "down"
    if live.problem != before:
        st.rerun(scope="app")


# -- what each side sees ---------------------------------------------------------------------------
def students_link(code: str) -> str:
    """``<app address>/?room=CODE`` (the app's root, whatever page the teacher is on)."""
    try:
        base = urlsplit(st.context.url or "")
        root = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
        return urlunsplit((base.scheme, base.netloc, root.rstrip("/") + "/", f"room={code}", ""))
    except (AttributeError, ValueError):
        return f"/?room={code}"


def teacher_link(code: str, token: str) -> str:
    return students_link(code) + f"&teacher={token}"


def qr_png(text: str) -> bytes:
    """A QR code of ``text`` as PNG bytes (segno: error correction M, big modules for a projector)."""
    import segno

    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def teacher_panel(app: AppState) -> None:
    """Step page: Start a class, or (once started) the code, link, QR code, followers, End class."""
    live = app.live
    if st.session_state.pop("_live_problem", None) == "down":
        st.error(t("live.start.down"), icon=":material/cloud_off:")
    if live is None or not live.teacher or live.problem == "ended":
        if live is not None and live.problem == "ended":
            _problem("ended")
        if live is None or live.teacher:  # a student's own room membership is not replaced from here
            st.button(t("live.start"), icon=":material/co_present:", on_click=start, args=(app, "step-through"),
                      help=t("live.start.help"), key="live_start")
        return
    link = students_link(live.code)
    with st.container(border=True, horizontal=True, vertical_alignment="center", gap="medium", key="live_card"):
        st.markdown(f"{t('live.code')}\n# :blue[{live.code}]", width="content")
        with st.container(width=380):
            st.markdown(t("live.link"))
            st.code(link, language=None, wrap_lines=True)
        _follower_count(app)
        with st.popover(t("live.qr.show"), icon=":material/qr_code_2:"):
            st.image(qr_png(link), width=420, caption=f"{t('live.qr')} · {link}")
            with st.expander(t("live.teacher_link")):
                st.caption(t("live.teacher_link.caption"))
                st.code(teacher_link(live.code, live.token), language=None, wrap_lines=True)
        st.button(t("live.end"), icon=":material/stop_circle:", on_click=end, args=(app,), key="live_end")
    if live.problem:
        _problem(live.problem)


@st.fragment(run_every=COUNT_SECONDS)
def _follower_count(app: AppState) -> None:
    live = app.live
    if live is None:
        return
    try:
        n = store().followers(live.code)
        st.metric(t("live.following"), n, width=190)
    except StoreUnavailable:
        st.metric(t("live.following"), "—", width=190)


def _problem(code: str) -> None:
    st.warning(t(f"live.problem.{code}"), icon=":material/warning:")


def banner(app: AppState, pages: dict | None = None, here: str | None = None) -> None:
    """Student: 'Following the teacher' (or exploring), with Explore on my own / Follow again, and a
    link to the page the teacher is on when it is another one (``pages``: url path -> st.Page)."""
    live = app.live
    if live is None or live.teacher:
        return
    with st.container(border=True, horizontal=True, vertical_alignment="center", key="live_banner"):
        if live.following:
            st.markdown(f"**:blue[{t('live.banner.following')}]** · {t('live.banner.room', code=live.code)}")
            st.button(t("live.explore"), icon=":material/explore:", on_click=explore, args=(app,), key="live_explore")
            page = (pages or {}).get(live.page)
            if page is not None and live.page != here:
                st.page_link(page, label=t("live.go_page", page=page.title), icon=":material/arrow_forward:")
        else:
            st.markdown(f"**{t('live.banner.exploring')}** · {t('live.banner.room', code=live.code)}")
            if live.problem != "ended":
                st.button(t("live.follow_again"), icon=":material/group:", on_click=follow_again, args=(app,),
                          type="primary", key="live_follow")
            st.button(t("live.leave"), on_click=leave, args=(app,), key="live_leave")
    if live.problem:
        _problem(live.problem)


def redraw_if_changed(app: AppState) -> None:
    """In a fragment: a click there that detached a student reruns the whole page (its banner)."""
    live = app.live
    if live is not None and live.redraw:
        live.redraw = False
        st.rerun(scope="app")


def following(app: AppState) -> bool:
    """A student following the teacher right now. The first run after it stops reseeds the sidebar's
    widgets from the run on screen (they were not drawn while following)."""
    live = app.live
    now = live is not None and not live.teacher and live.following
    if st.session_state.get("_live_following") and not now:
        app.reseed_widgets = True
    st.session_state["_live_following"] = now
    return now


# -- the class poll ----------------------------------------------------------------------------------
def student_form(app: AppState, q) -> bool:
    """A following student's answer to the class poll (sent to the room, changeable until reveal).
    False (and nothing drawn) for anyone else."""
    live = app.live
    if live is None or live.teacher or not live.following or "poll" not in app.quiz:
        return False
    qid = app.quiz["poll"]
    app.quiz["question"] = (qid, q)
    _answer_form(app, qid, q)
    return True


def class_answers(app: AppState, q) -> None:
    """The teacher's view of the class poll: how many answered and a histogram of the answers."""
    live = app.live
    if live is not None and live.teacher and live.problem is None:
        pending = app.quiz.get("pending")
        if pending:
            _answers(app, poll_id(pending, app.sample), q)


@st.fragment(run_every=COUNT_SECONDS)
def _answers(app: AppState, qid: str, q) -> None:
    live = app.live
    if live is None:
        return
    try:
        values = store().answers(live.code, qid)
    except StoreUnavailable:
        _problem("down")
        return
    st.plotly_chart(poll_figure(values, q.truth, q.kind, revealed=False, labels=labels(POLL_LABELS, "poll")),
                    key="poll_chart", config={"displayModeBar": False})


def class_result(app: AppState, q) -> None:
    """The teacher, after Reveal: the class's final answers beside the correct value."""
    live, qid = app.live, app.quiz.get("last_poll")
    if live is None or not live.teacher or qid is None:
        return
    try:
        values = store().answers(live.code, qid)
    except StoreUnavailable:
        return
    st.plotly_chart(poll_figure(values, q.truth, q.kind, revealed=True, labels=labels(POLL_LABELS, "poll")),
                    key="poll_result", config={"displayModeBar": False})


def _answer_form(app: AppState, qid: str, q) -> None:
    """The student's input and Send (a callback: the answer is in the room before the page redraws)."""
    live = app.live
    if q.kind == "update":
        st.radio(t("quiz.answer"), ("1", "-1"), horizontal=True, key="live_dir",
                 format_func=lambda v: t("quiz.up") if v == "1" else t("quiz.down"))
    else:
        st.text_input(t("quiz.answer"), key="live_value", max_chars=64, placeholder="0.25")
    st.button(t("live.send"), type="primary", on_click=_send, args=(app, qid, q.kind), key="live_send")
    problem = app.quiz.pop("answer_problem", None)
    if problem:
        st.warning(t(f"live.answer.{problem}"))
    if qid in live.answered:
        st.success(t("live.answer.sent", value=f"{live.answered[qid]:.6g}"))


def _send(app: AppState, qid: str, kind: str) -> None:
    live = app.live
    if live is None:
        return
    text = st.session_state.get("live_dir" if kind == "update" else "live_value", "")
    try:
        live.answered[qid] = store().answer(live.code, live.sid, qid, text)
    except AnswerRejected as exc:
        app.quiz["answer_problem"] = exc.code
    except StoreUnavailable:
        live.problem = "down"
