"""The room layer (classroom/): codes, tokens, and both stores against the same tests (a real Redis)."""

from __future__ import annotations

import math
import subprocess
import sys
import threading

import pytest

from classroom import codes
from classroom.store import (
    MAX_ANSWERS,
    MAX_TRIES,
    AnswerRejected,
    MemoryStore,
    RedisStore,
    StoreUnavailable,
    parse_answer,
    store_from_env,
)
from tests.redis_server import redis_server  # noqa: F401  (fixture)

VIEW = {"config": {"dataset": "xor", "lr": "2"}, "iteration": 3, "phase": 2, "page": "step-through"}


@pytest.fixture(params=["memory", "redis"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    srv = request.getfixturevalue("redis_server")
    return RedisStore(srv.url)


# -- codes and tokens ---------------------------------------------------------------------------
def test_codes_are_six_unambiguous_characters():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) > 1990  # 2^30 codes: collisions among 2000 are rare
    assert all(len(c) == 6 and set(c) <= set(codes.ALPHABET) for c in made)
    assert not set("01OI") & set(codes.ALPHABET) and len(codes.ALPHABET) == 32


@pytest.mark.parametrize("text", ["abc234", " ABC 234 ", "abc-234"])
def test_a_typed_code_is_forgiven_case_and_spaces(text):
    assert codes.parse_code(text) == "ABC234"


@pytest.mark.parametrize("text", ["ABC23", "ABC2345", "ABC0DE", "ABCODE", "ABC1DE", "ABCIDE", "*", "ABC23*", "?BC234",
                                  "[A-Z]*", "AB\r\nFLUSHALL", "ÄBC234", "ＡＢＣ２３４", "A" * 10_000, "", None, 123456,
                                  b"ABC234"])
def test_hostile_codes_are_refused_before_any_lookup(text):
    assert codes.parse_code(text) is None


def test_tokens_carry_at_least_128_bits_and_only_the_right_one_matches():
    token = codes.new_token()
    assert len(token) == 32 and codes.parse_token(token) == token  # 24 random bytes = 192 bits
    stored = codes.token_hash(token)
    assert token not in stored and codes.token_matches(stored, token)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (forged, "", None, token + "x", token.upper() if token.upper() != token else token.lower(),
                codes.new_token(), stored):
        assert not codes.token_matches(stored, bad)


# -- poll answers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value"), [("0.25", 0.25), (" -1.5 ", -1.5), ("−2", -2.0), ("3,5", 3.5),
                                             ("1e3", 1000.0), (7, 7.0)])
def test_answers_are_parsed_as_numbers(text, value):
    assert parse_answer(text) == value


@pytest.mark.parametrize(("text", "why"), [("", "empty"), ("   ", "empty"), ("abc", "nan"), ("nan", "nan"),
                                           ("inf", "huge"), ("-inf", "huge"), ("1e400", "huge"), ("2e12", "huge"),
                                           ("1" * 33, "long"), (None, "nan"), (True, "nan"), (math.nan, "nan")])
def test_bad_answers_are_refused_with_a_reason(text, why):
    with pytest.raises(AnswerRejected) as e:
        parse_answer(text)
    assert e.value.code == why


# -- both stores ------------------------------------------------------------------------------------
def test_a_room_round_trips_and_versions_go_up(store):
    code, token = store.create(VIEW)
    assert codes.parse_code(code) == code
    room = store.get(code)
    assert (room.version, room.view, room.poll, room.revealed) == (1, VIEW, None, False)
    assert store.version(code) == 1
    assert store.publish(code, token, {**VIEW, "iteration": 4}) == 2
    assert store.get(code.lower()).view["iteration"] == 4 and store.version(code) == 2


def test_only_the_teacher_token_publishes(store):
    code, token = store.create(VIEW)
    other_code, other_token = store.create(VIEW)
    for bad in ("", "x" * 32, token[:-1] + ("A" if token[-1] != "A" else "B"), other_token, None):
        with pytest.raises(PermissionError):
            store.publish(code, bad, {"iteration": 99})
        with pytest.raises(PermissionError):
            store.end(code, bad)
    assert store.get(code).view == VIEW and store.version(code) == 1
    store.end(other_code, other_token)
    assert store.get(other_code) is None and store.get(code) is not None


def test_unknown_and_malformed_codes(store):
    assert store.get("ABCDEF") is None and store.version("zzzzzz") is None  # a fresh store: no room yet
    assert store.followers("ABCDEF") == 0 and store.answers("ABCDEF", "q") == []
    for bad in ("*", "AB?DEF", "\r\nFLUSHALL", "ABC0DE"):
        with pytest.raises(KeyError):
            store.get(bad)


def test_a_class_poll(store):
    code, token = store.create(VIEW)
    with pytest.raises(AnswerRejected, match="closed"):
        store.answer(code, "s1", "q1", "0.5")
    store.open_poll(code, token, "q1")
    assert store.get(code).poll == "q1"
    store.answer(code, "s1", "q1", "0.5")
    store.answer(code, "s2", "q1", "-1")
    store.answer(code, "s1", "q1", "0.75")  # changed before reveal: still one answer for s1
    assert store.answers(code, "q1") == [-1.0, 0.75]
    with pytest.raises(AnswerRejected, match="closed"):
        store.answer(code, "s3", "q0", "1")  # not the open question
    with pytest.raises(AnswerRejected, match="session"):
        store.answer(code, "bad id!", "q1", "1")
    with pytest.raises(PermissionError):
        store.reveal(code, "x" * 32)
    store.reveal(code, token)
    assert store.get(code).revealed
    with pytest.raises(AnswerRejected, match="revealed"):
        store.answer(code, "s1", "q1", "2")
    store.open_poll(code, token, "q2")  # a new question starts empty
    assert store.answers(code, "q2") == [] and not store.get(code).revealed


def test_a_flood_from_one_session_and_a_full_poll_are_capped(store):
    code, token = store.create(VIEW)
    store.open_poll(code, token, "q")
    for i in range(MAX_TRIES):
        store.answer(code, "loud", "q", str(i))
    with pytest.raises(AnswerRejected, match="flood"):
        store.answer(code, "loud", "q", "1")
    assert store.answers(code, "q") == [float(MAX_TRIES - 1)]
    for i in range(MAX_ANSWERS - 1):
        store.answer(code, f"s{i}", "q", "1")
    with pytest.raises(AnswerRejected, match="full"):
        store.answer(code, "late", "q", "1")
    assert len(store.answers(code, "q")) == MAX_ANSWERS


def test_followers_are_counted_by_heartbeat(store):
    code, _ = store.create(VIEW)
    assert store.followers(code) == 0
    for sid in ("a", "b", "a"):
        store.heartbeat(code, sid)
    assert store.followers(code) == 2


def test_versions_never_go_backwards_under_concurrent_publishing(store):
    code, token = store.create(VIEW)
    seen: list[int] = []
    lock = threading.Lock()

    def teacher_tab():
        for i in range(25):
            v = store.publish(code, token, {"iteration": i})
            with lock:
                seen.append(v)

    threads = [threading.Thread(target=teacher_tab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(2, 2 + 200)) and store.version(code) == 201


def test_an_oversized_view_is_refused(store):
    code, token = store.create(VIEW)
    with pytest.raises(ValueError):
        store.publish(code, token, {"blob": "x" * 70_000})
    assert store.version(code) == 1


# -- expiry, restart, outage --------------------------------------------------------------------
def test_an_idle_memory_room_expires():
    now = [0.0]
    s = MemoryStore(ttl=60, clock=lambda: now[0])
    code, token = s.create(VIEW)
    now[0] = 59.0
    s.publish(code, token, VIEW)  # a write refreshes the idle time
    now[0] = 118.0
    assert s.version(code) == 2
    now[0] = 180.0
    assert s.get(code) is None and s.version(code) is None


def test_an_idle_redis_room_expires(redis_server):  # noqa: F811
    import time

    s = RedisStore(redis_server.url, ttl=1)
    code, _ = s.create(VIEW)
    assert s.version(code) == 1
    time.sleep(2.2)
    assert s.get(code) is None and s.version(code) is None


def test_a_redis_restart_loses_no_room_and_an_outage_is_a_notice_not_a_hang(redis_server):  # noqa: F811
    s = RedisStore(redis_server.url)
    code, token = s.create(VIEW)
    s.publish(code, token, {**VIEW, "iteration": 7})
    redis_server.stop()
    with pytest.raises(StoreUnavailable):
        s.version(code)
    with pytest.raises(StoreUnavailable):
        s.publish(code, token, VIEW)
    redis_server.start()  # same port and folder: the append-only file brings the rooms back
    again = RedisStore(redis_server.url)  # e.g. a restarted app server
    assert again.get(code).view["iteration"] == 7
    assert again.publish(code, token, VIEW) == 3


def test_redis_keys_are_namespaced_and_expire(redis_server):  # noqa: F811
    import redis

    s = RedisStore(redis_server.url, ttl=3600)
    code, token = s.create(VIEW)
    s.open_poll(code, token, "q")
    s.answer(code, "s1", "q", "1")
    s.heartbeat(code, "s1")
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    keys = sorted(r.keys("*"))
    assert keys == sorted(f"bplab:{k}:{code}" for k in ("answers", "followers", "room", "tries"))
    assert all(0 < r.ttl(k) <= 3600 for k in keys)
    assert codes.token_hash(token) == r.hget(f"bplab:room:{code}", "token") and token not in str(r.hgetall(keys[2]))


def test_the_store_comes_from_the_environment(monkeypatch, redis_server):  # noqa: F811
    monkeypatch.delenv("BACKPROP_LAB_REDIS_URL", raising=False)
    assert isinstance(store_from_env(), MemoryStore) and store_from_env() is store_from_env()
    monkeypatch.setenv("BACKPROP_LAB_REDIS_URL", redis_server.url)
    assert isinstance(store_from_env(), RedisStore)
    monkeypatch.setenv("BACKPROP_LAB_REDIS_URL", "http://example.invalid/")
    assert isinstance(store_from_env(), MemoryStore)


def test_the_room_layer_imports_neither_streamlit_nor_redis():
    code = ("import sys; import classroom.store, classroom.codes; "
            "print(sorted(m for m in ('streamlit', 'redis', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
