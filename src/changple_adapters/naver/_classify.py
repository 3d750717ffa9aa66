"""What a non-article answer means. Naver's wording and error codes vary between layouts and over
time, so pages are classified by several keywords and API answers by several code names, and
anything unrecognised stays an ERROR that carries the text we saw."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from changple_domain.model.providers import ScrapeOutcome

# Checked in this order: a deleted article is final, a members-only notice often also says
# "로그인", and a bare login notice comes last.
_PAGE_KEYWORDS: tuple[tuple[ScrapeOutcome, tuple[str, ...]], ...] = (
    (ScrapeOutcome.DELETED, ("삭제", "존재하지 않", "없는 게시글", "찾을 수 없")),
    (ScrapeOutcome.MEMBERS_ONLY, ("멤버만", "회원만", "가입", "등급", "권한")),
    (ScrapeOutcome.LOGIN_REQUIRED, ("로그인",)),
)

LOGIN_CODES = frozenset({"UNAUTHORIZED", "NOT_LOGGED_IN", "LOGIN_REQUIRED", "NEED_LOGIN", "INVALID_SESSION"})
DELETED_CODES = frozenset(
    {
        "ARTICLE_NOT_FOUND",
        "NOT_FOUND",
        "NOT_EXIST_ARTICLE",
        "ARTICLE_NOT_EXIST",
        "DELETED_ARTICLE",
        "ARTICLE_DELETED",
    }
)
MEMBERS_CODES = frozenset(
    {
        "MEMBER_ONLY",
        "MEMBERS_ONLY",
        "CAFE_MEMBER_ONLY",
        "NOT_CAFE_MEMBER",
        "NO_PERMISSION",
        "NO_READ_PERMISSION",
        "LEVEL_RESTRICTED",
    }
)

RENEW_SESSION = "the Naver session is missing or expired: log in by hand once and save a new storage_state"

_SPACE = re.compile(r"\s+")


def squash(text: str, limit: int = 160) -> str:
    """One line of at most `limit` characters, for reasons."""
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_login_url(url: str | None) -> bool:
    """A Naver login page (nid.naver.com, or any `/nidlogin` path such as a local fixture's)."""
    if not url:
        return False
    parts = urlsplit(url)
    return (parts.hostname or "").endswith("nid.naver.com") or "nidlogin" in parts.path.lower()


def classify_message(text: str) -> ScrapeOutcome | None:
    """The outcome a Korean notice names, or None when no keyword matches."""
    for outcome, words in _PAGE_KEYWORDS:
        if any(word in text for word in words):
            return outcome
    return None


def _code_name(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int):
        name = re.sub(r"[\s\-]+", "_", str(value).strip()).upper()
        return name or None
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def api_error(payload: object) -> tuple[str | None, str]:
    """The error code and message of an API answer, wherever this API family puts them:
    `errorCode`/`reason` at the top or under `result`, or `message.error.{code,msg}`."""
    if not isinstance(payload, Mapping):
        return None, ""
    places: list[tuple[Mapping[str, object], str]] = [(payload, "errorCode")]
    result = payload.get("result")
    if isinstance(result, Mapping):
        places.append((result, "errorCode"))
        if isinstance(result.get("error"), Mapping):
            places.append((result["error"], "code"))
    message = payload.get("message")
    if isinstance(message, Mapping) and isinstance(message.get("error"), Mapping):
        places.append((message["error"], "code"))
    code: str | None = None
    text = ""
    for place, key in places:
        code = code or _code_name(place.get(key))
        text = text or next(
            (t for name in ("reason", "errorMessage", "message", "msg") if (t := _text(place.get(name)))), ""
        )
    return code, text


def classify_code(code: str | None) -> ScrapeOutcome | None:
    if code in LOGIN_CODES:
        return ScrapeOutcome.LOGIN_REQUIRED
    if code in DELETED_CODES:
        return ScrapeOutcome.DELETED
    if code in MEMBERS_CODES:
        return ScrapeOutcome.MEMBERS_ONLY
    return None
