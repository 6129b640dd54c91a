"""Room codes students type and teacher tokens nobody can guess, each validated before any use.

A room code is 6 characters from an alphabet without 0/O/1/I (32 symbols: 2^30 codes), short
enough to read off a projector. It is public; it only lets a browser follow. Control needs the
teacher token: 24 random bytes (192 bits) from ``secrets``, stored only as its SHA-256 and compared
in constant time, so guessing is brute force against 2^192, not obscurity.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: they are misread from a screen
CODE_LENGTH = 6
TOKEN_BYTES = 24  # >= 16 (128 bits) is the bar; 24 bytes are 32 URL-safe characters
_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_SESSION = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_INPUT = 64  # longer text is refused before any regex runs


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def parse_code(text: object) -> str | None:
    """The room code in ``text`` (spaces and case forgiven), or None. Nothing else passes, so no
    user text reaches a store as a key, a pattern or a command."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return None
    code = text.strip().replace(" ", "").replace("-", "").upper()
    return code if _CODE.fullmatch(code) else None


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def parse_token(text: object) -> str | None:
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return None
    return text if _TOKEN.fullmatch(text) else None


def token_hash(token: str) -> str:
    """What a store keeps of a teacher token (hex SHA-256): a leaked store gives no control."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_matches(stored_hash: str, token: object) -> bool:
    """Constant-time check of a presented token against the stored hash."""
    good = parse_token(token)
    candidate = token_hash(good) if good is not None else "0" * 64
    return hmac.compare_digest(candidate, stored_hash) and good is not None


def parse_session_id(text: object) -> str | None:
    """A follower's anonymous id (made by the app, not typed by anyone), validated all the same."""
    if not isinstance(text, str) or len(text) > MAX_INPUT:
        return None
    return text if _SESSION.fullmatch(text) else None
