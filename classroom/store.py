"""Where rooms live: one small interface, two stores (this process's memory, or Redis).

A room is what a follower needs to show the teacher's screen: ``view``, a small JSON object the
app publishes (the encoded Config, the settings segments, iteration, phase, sample, page), with a
``version`` that only goes up, so a follower polls one integer and fetches the view only when it
changed. A class poll keeps one answer per anonymous session id.

- ``MemoryStore``: the default, nothing to install; one per process (``memory_store()``), shared by
  every browser session on this server behind one lock: the deliberate process-wide state.
- ``RedisStore``: with ``BACKPROP_LAB_REDIS_URL`` set, so students on any replica follow a teacher
  on any other, and a restarted server loses no room. Keys are built only from validated codes.

Every write refreshes the room's expiry (idle time, ``BACKPROP_LAB_ROOM_TTL`` seconds, default
12 h). A store that cannot be reached raises ``StoreUnavailable``; the app shows a notice and
keeps working solo.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Protocol

from .codes import new_code, new_token, parse_code, parse_session_id, token_hash, token_matches

DEFAULT_TTL = 12 * 3600
MAX_VIEW_BYTES = 64_000  # a room's view is a few hundred bytes; a bigger one is refused, not stored
MAX_ANSWER_CHARS = 32
MAX_ABS_ANSWER = 1e12
MAX_ANSWERS = 500  # per question
MAX_TRIES = 20  # answers one session may send per question (a flood is refused past this)
FOLLOWER_WINDOW = 15.0  # seconds: a follower that sent no heartbeat for this long is not counted


class StoreUnavailable(RuntimeError):
    """The room store cannot be reached (Redis down or lost)."""


class AnswerRejected(ValueError):
    """A poll answer that is not taken; ``code`` names why (for the translated message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Room:
    code: str
    version: int
    view: dict
    poll: str | None  # the open question's id, or None
    revealed: bool


def ttl_from_env() -> int:
    """The idle expiry in seconds from ``BACKPROP_LAB_ROOM_TTL`` (60 s .. 7 days), else 12 h."""
    text = os.environ.get("BACKPROP_LAB_ROOM_TTL", "")
    if text.isdigit() and 60 <= int(text) <= 7 * 86400:
        return int(text)
    return DEFAULT_TTL


def parse_answer(text: object) -> float:
    """A poll answer as a finite number, or AnswerRejected('empty' | 'long' | 'nan' | 'huge')."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise AnswerRejected("nan")
    s = str(text).strip()
    if not s:
        raise AnswerRejected("empty")
    if len(s) > MAX_ANSWER_CHARS:
        raise AnswerRejected("long")
    try:
        v = float(s.replace("−", "-").replace(",", "."))
    except ValueError:
        raise AnswerRejected("nan") from None
    if not math.isfinite(v):
        raise AnswerRejected("nan" if math.isnan(v) else "huge")
    if abs(v) > MAX_ABS_ANSWER:
        raise AnswerRejected("huge")
    return v


def _view_json(view: dict) -> str:
    text = json.dumps(view, sort_keys=True, allow_nan=False, separators=(",", ":"))
    if len(text) > MAX_VIEW_BYTES:
        raise ValueError(f"a room's view may hold at most {MAX_VIEW_BYTES} bytes, got {len(text)}")
    return text


class RoomStore(Protocol):
    def create(self, view: dict) -> tuple[str, str]: ...  # (code, teacher token)
    def get(self, code: str) -> Room | None: ...
    def version(self, code: str) -> int | None: ...
    def publish(self, code: str, token: str, view: dict) -> int: ...
    def end(self, code: str, token: str) -> None: ...
    def open_poll(self, code: str, token: str, qid: str) -> None: ...
    def reveal(self, code: str, token: str) -> None: ...
    def answer(self, code: str, sid: str, qid: str, text: object) -> float: ...
    def answers(self, code: str, qid: str) -> list[float]: ...
    def heartbeat(self, code: str, sid: str) -> None: ...
    def followers(self, code: str) -> int: ...


def _code(code: str) -> str:
    good = parse_code(code)
    if good is None:
        raise KeyError("not a room code")
    return good


def _sid(sid: str) -> str:
    good = parse_session_id(sid)
    if good is None:
        raise AnswerRejected("session")
    return good


# -- this process ---------------------------------------------------------------------------------
@dataclass
class _MemRoom:
    token_hash: str
    version: int
    view: str
    touched: float
    poll: str | None = None
    revealed: bool = False
    answers: dict | None = None  # sid -> value for the open poll
    tries: dict | None = None  # sid -> answers sent for the open poll
    beats: dict | None = None  # sid -> last heartbeat


class MemoryStore:
    """Rooms in this process's memory, behind one lock (``clock`` is injectable for tests)."""

    def __init__(self, ttl: int | None = None, clock=time.monotonic) -> None:
        self.ttl = ttl if ttl is not None else ttl_from_env()
        self._clock = clock
        self._lock = threading.Lock()
        self._rooms: dict[str, _MemRoom] = {}

    def _live(self, code: str) -> _MemRoom | None:
        room = self._rooms.get(code)
        if room is not None and self._clock() - room.touched > self.ttl:
            del self._rooms[code]
            return None
        return room

    def _owned(self, code: str, token: str) -> _MemRoom:
        room = self._live(_code(code))
        if room is None or not token_matches(room.token_hash, token):
            raise PermissionError("not this room's teacher")
        room.touched = self._clock()
        return room

    def create(self, view: dict) -> tuple[str, str]:
        text, token = _view_json(view), new_token()
        with self._lock:
            code = new_code()
            while self._live(code) is not None:
                code = new_code()
            self._rooms[code] = _MemRoom(token_hash(token), 1, text, self._clock(), answers={}, tries={}, beats={})
        return code, token

    def get(self, code: str) -> Room | None:
        with self._lock:
            room = self._live(_code(code))
            if room is None:
                return None
            return Room(code, room.version, json.loads(room.view), room.poll, room.revealed)

    def version(self, code: str) -> int | None:
        with self._lock:
            room = self._live(_code(code))
            return None if room is None else room.version

    def publish(self, code: str, token: str, view: dict) -> int:
        text = _view_json(view)
        with self._lock:
            room = self._owned(code, token)
            room.view, room.version = text, room.version + 1
            return room.version

    def end(self, code: str, token: str) -> None:
        with self._lock:
            self._owned(code, token)
            del self._rooms[_code(code)]

    def open_poll(self, code: str, token: str, qid: str) -> None:
        qid = _sid(qid)
        with self._lock:
            room = self._owned(code, token)
            room.poll, room.revealed, room.answers, room.tries = qid, False, {}, {}
            room.version += 1

    def reveal(self, code: str, token: str) -> None:
        with self._lock:
            room = self._owned(code, token)
            room.revealed = True
            room.version += 1

    def answer(self, code: str, sid: str, qid: str, text: object) -> float:
        sid, value = _sid(sid), parse_answer(text)
        with self._lock:
            room = self._live(_code(code))
            if room is None or room.poll != qid:
                raise AnswerRejected("closed")
            if room.revealed:
                raise AnswerRejected("revealed")
            tries = room.tries.get(sid, 0)
            if tries >= MAX_TRIES:
                raise AnswerRejected("flood")
            if sid not in room.answers and len(room.answers) >= MAX_ANSWERS:
                raise AnswerRejected("full")
            room.tries[sid] = tries + 1
            room.answers[sid] = value
            return value

    def answers(self, code: str, qid: str) -> list[float]:
        with self._lock:
            room = self._live(_code(code))
            if room is None or room.poll != qid:
                return []
            return sorted(room.answers.values())

    def heartbeat(self, code: str, sid: str) -> None:
        sid = _sid(sid)
        with self._lock:
            room = self._live(_code(code))
            if room is not None:
                room.beats[sid] = self._clock()

    def followers(self, code: str) -> int:
        with self._lock:
            room = self._live(_code(code))
            if room is None:
                return 0
            now = self._clock()
            room.beats = {s: t for s, t in room.beats.items() if now - t <= FOLLOWER_WINDOW}
            return len(room.beats)


_MEMORY: MemoryStore | None = None
_MEMORY_LOCK = threading.Lock()


def memory_store() -> MemoryStore:
    """The one in-process store every browser session of this server shares."""
    global _MEMORY
    with _MEMORY_LOCK:
        if _MEMORY is None:
            _MEMORY = MemoryStore()
        return _MEMORY


# -- Redis ------------------------------------------------------------------------------------------
_PUBLISH = """
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return -1 end
local v = redis.call('HINCRBY', KEYS[1], 'version', 1)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'view', ARGV[2]) end
if ARGV[3] == 'open' then
  redis.call('HSET', KEYS[1], 'poll', ARGV[4], 'revealed', '0')
  redis.call('DEL', KEYS[2], KEYS[3])
elseif ARGV[3] == 'reveal' then
  redis.call('HSET', KEYS[1], 'revealed', '1')
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return v
"""
_ANSWER = """
local poll = redis.call('HMGET', KEYS[1], 'poll', 'revealed')
if not poll[1] or poll[1] ~= ARGV[1] then return -1 end
if poll[2] == '1' then return -2 end
local tries = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
if tries >= tonumber(ARGV[4]) then return -3 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[5]) then
  return -4 end
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local ttl = redis.call('TTL', KEYS[1])
redis.call('EXPIRE', KEYS[2], ttl)
redis.call('EXPIRE', KEYS[3], ttl)
return 1
"""
_ANSWER_ERRORS = {-1: "closed", -2: "revealed", -3: "flood", -4: "full"}


class RedisStore:
    """Rooms in Redis: a hash per room (token hash, version, view, poll), a hash of answers and one
    of tries per room, a sorted set of follower heartbeats. Writes are single Lua scripts, so a
    version never goes backwards however many replicas publish."""

    def __init__(self, url: str, ttl: int | None = None, timeout: float = 1.0) -> None:
        import redis  # only when Redis is configured: the default app needs no client

        self.ttl = ttl if ttl is not None else ttl_from_env()
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self._r = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout,
                                       decode_responses=True)
        self._publish = self._r.register_script(_PUBLISH)
        self._answer = self._r.register_script(_ANSWER)

    @staticmethod
    def _keys(code: str) -> tuple[str, str, str, str]:
        c = _code(code)
        return f"bplab:room:{c}", f"bplab:answers:{c}", f"bplab:tries:{c}", f"bplab:followers:{c}"

    def _call(self, fn, *args, **kw):
        try:
            return fn(*args, **kw)
        except self._errors as exc:
            raise StoreUnavailable(f"Redis: {exc}") from None

    def create(self, view: dict) -> tuple[str, str]:
        text, token = _view_json(view), new_token()
        while True:
            code = new_code()
            key = self._keys(code)[0]
            if self._call(self._r.hsetnx, key, "token", token_hash(token)):
                pipe = self._r.pipeline()
                pipe.hset(key, mapping={"version": 1, "view": text, "poll": "", "revealed": "0"})
                pipe.expire(key, self.ttl)
                self._call(pipe.execute)
                return code, token

    def get(self, code: str) -> Room | None:
        data = self._call(self._r.hgetall, self._keys(code)[0])
        if not data or "view" not in data:
            return None
        return Room(_code(code), int(data["version"]), json.loads(data["view"]), data.get("poll") or None,
                    data.get("revealed") == "1")

    def version(self, code: str) -> int | None:
        v = self._call(self._r.hget, self._keys(code)[0], "version")
        return None if v is None else int(v)

    def _owned_write(self, code: str, token: str, view: str, poll_op: str = "", qid: str = "") -> int:
        key, answers, tries, _ = self._keys(code)
        stored = self._call(self._r.hget, key, "token")
        if stored is None or not token_matches(stored, token):  # constant time, before any write
            raise PermissionError("not this room's teacher")
        v = self._call(self._publish, keys=[key, answers, tries], args=[stored, view, poll_op, qid, self.ttl])
        if v == -1:
            raise PermissionError("not this room's teacher")
        return int(v)

    def publish(self, code: str, token: str, view: dict) -> int:
        return self._owned_write(code, token, _view_json(view))

    def end(self, code: str, token: str) -> None:
        self._owned_write(code, token, "")
        self._call(self._r.delete, *self._keys(code))

    def open_poll(self, code: str, token: str, qid: str) -> None:
        self._owned_write(code, token, "", "open", _sid(qid))

    def reveal(self, code: str, token: str) -> None:
        self._owned_write(code, token, "", "reveal")

    def answer(self, code: str, sid: str, qid: str, text: object) -> float:
        sid, value = _sid(sid), parse_answer(text)
        key, answers, tries, _ = self._keys(code)
        r = self._call(self._answer, keys=[key, answers, tries], args=[qid, sid, repr(value), MAX_TRIES, MAX_ANSWERS])
        if r != 1:
            raise AnswerRejected(_ANSWER_ERRORS[int(r)])
        return value

    def answers(self, code: str, qid: str) -> list[float]:
        key, answers, _, _ = self._keys(code)
        if self._call(self._r.hget, key, "poll") != qid:
            return []
        return sorted(float(v) for v in self._call(self._r.hvals, answers))

    def heartbeat(self, code: str, sid: str) -> None:
        key, _, _, followers = self._keys(code)
        pipe = self._r.pipeline()
        pipe.zadd(followers, {_sid(sid): time.time()})
        pipe.expire(followers, self.ttl)
        self._call(pipe.execute)

    def followers(self, code: str) -> int:
        followers = self._keys(code)[3]
        now = time.time()
        pipe = self._r.pipeline()
        pipe.zremrangebyscore(followers, "-inf", now - FOLLOWER_WINDOW)
        pipe.zcard(followers)
        return int(self._call(pipe.execute)[1])


def store_from_env() -> RoomStore:
    """Redis when ``BACKPROP_LAB_REDIS_URL`` names one (redis://, rediss:// or unix://), else this
    process's memory."""
    url = os.environ.get("BACKPROP_LAB_REDIS_URL", "").strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    return memory_store()
