"""Verifying a cut-over: every changple2 row, entity by entity, against what changple holds.

A row is fine when changple holds it as the import would carry it now (its carried fields compared
one by one), or holds newer data of its own for it. A row the last import refused, with its reason
in that report, is counted as refused, not as a difference. Anything else is missing or different."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from changple_domain.errors import InvalidInput
from changple_domain.model.legacy import (
    LegacyAuthor,
    LegacyBrand,
    LegacyChatMessage,
    LegacyChatSession,
    LegacyContent,
    LegacyDifference,
    LegacyMark,
    LegacyPost,
    LegacyPostStatus,
    LegacyRecord,
    LegacyUser,
    LegacyVerifyReport,
    LegacyView,
)
from changple_domain.ports import LegacySource, UnitOfWork
from changple_domain.use_cases.legacy_carry import (
    carry_author,
    carry_brand,
    carry_post,
    carry_status,
    changple_is_newer,
    post_projection,
    user_is_newer,
    user_projection,
)

# (changple's projection of what it holds, the projection the import would carry) or None: newer.
Check = Callable[[UnitOfWork, LegacyRecord, LegacyMark], tuple[Any, Any] | None]


def _differs(held: dict[str, Any], carried: dict[str, Any]) -> str | None:
    fields = sorted(k for k in carried if held.get(k) != carried[k])
    return f"differs in {', '.join(fields)}" if fields else None


def _post(uow: UnitOfWork, record: Any, _: LegacyMark) -> tuple[Any, Any] | None:
    stored = uow.posts.get(record.article_id)
    if stored is None:
        return "missing", None
    if changple_is_newer(stored, record):
        return None
    summarized = bool(record.summary.strip())
    return post_projection(stored, with_summary=summarized), post_projection(
        carry_post(record), with_summary=summarized
    )


def _status(uow: UnitOfWork, record: Any, _: LegacyMark) -> tuple[Any, Any] | None:
    stored = uow.statuses.get(record.article_id)
    if stored is None:
        return "missing", None
    carried = carry_status(record)
    if stored.updated_at > carried.updated_at:
        return None
    return {"kind": stored.kind}, {"kind": carried.kind}


def _catalog(uow: UnitOfWork, record: Any, _: LegacyMark) -> tuple[Any, Any] | None:
    entry: Any = carry_author(record) if isinstance(record, LegacyAuthor) else carry_brand(record)
    repository: Any = uow.authors if isinstance(record, LegacyAuthor) else uow.brands
    stored = repository.get(entry.name)
    return ("missing", None) if stored is None else (stored.model_dump(), entry.model_dump())


def _user(uow: UnitOfWork, record: Any, mark: LegacyMark) -> tuple[Any, Any] | None:
    stored = uow.users.get(int(mark.target))
    if stored is None:
        return "missing", None
    if not record.social_id or user_is_newer(stored, record):
        return None
    held = user_projection(stored)
    carried = held | {
        "name": record.name,
        "nickname": record.nickname,
        "email": record.email,
        "admin": held["admin"] or record.is_admin,
    }
    return held, carried


def _content(uow: UnitOfWork, record: Any, mark: LegacyMark) -> tuple[Any, Any] | None:
    stored = uow.contents.get(int(mark.target))
    if stored is None:
        return "missing", None
    held = {"title": stored.title, "description": stored.description, "published": stored.published}
    return held, {"title": record.title, "description": record.description, "published": True}


def _view(uow: UnitOfWork, record: Any, mark: LegacyMark) -> tuple[Any, Any] | None:
    user_id, content_id = (int(part) for part in mark.target.split(":"))
    last = uow.content_views.last_viewed_at(user_id, content_id)
    return {"viewed": last is not None and last >= record.viewed_at}, {"viewed": True}


def _session(uow: UnitOfWork, record: Any, mark: LegacyMark) -> tuple[Any, Any] | None:
    stored = uow.chats.get_session(mark.target)
    if stored is None:
        return "missing", None
    anonymous = record.user_legacy_id is None
    return {"anonymous": stored.user_id is None}, {"anonymous": anonymous}


def _message(uow: UnitOfWork, record: Any, mark: LegacyMark) -> tuple[Any, Any] | None:
    sessions = uow.legacy.marks(LegacyChatSession.entity, [record.session_legacy_id])
    nonce = sessions[record.session_legacy_id].target if record.session_legacy_id in sessions else ""
    found = uow.chats.messages(nonce, after_id=int(mark.target) - 1, limit=1)
    if not found or found[0].id != int(mark.target):
        return "missing", None
    message = found[0]
    held = {"content": message.content, "role": message.role.value, "helpful": list(message.helpful_post_ids)}
    return held, {"content": record.content, "role": record.role, "helpful": list(record.helpful_article_ids)}


CHECKS: tuple[tuple[type[LegacyRecord], Check], ...] = (
    (LegacyAuthor, _catalog),
    (LegacyBrand, _catalog),
    (LegacyPost, _post),
    (LegacyPostStatus, _status),
    (LegacyUser, _user),
    (LegacyContent, _content),
    (LegacyView, _view),
    (LegacyChatSession, _session),
    (LegacyChatMessage, _message),
)


def _check_page(
    uow: UnitOfWork,
    records: Sequence[LegacyRecord],
    check: Check,
    refused: set[tuple[str, int]],
    report: LegacyVerifyReport,
) -> int:
    """Differences of one page go in the report; returns how many rows matched."""
    if not records:
        return 0
    marks = uow.legacy.marks(records[0].entity, (r.legacy_id for r in records))
    matched = 0
    for record in records:
        mark = marks.get(record.legacy_id)
        if (record.table, record.legacy_id) in refused:
            report.refused += 1
            continue
        if mark is None:
            report.differences.append(
                LegacyDifference(entity=record.entity, legacy_id=record.legacy_id, problem="missing")
            )
            continue
        compared = check(uow, record, mark)
        problem = None if compared is None else ("missing" if compared[0] == "missing" else _differs(*compared))
        if problem is None:
            matched += 1
        else:
            report.differences.append(
                LegacyDifference(entity=record.entity, legacy_id=record.legacy_id, problem=problem)
            )
    return matched


def verify_legacy(
    *,
    source: LegacySource,
    uow: UnitOfWork,
    page_size: int = 500,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> LegacyVerifyReport:
    """Compare the changple2 database `source` with changple, row by row (see the module's rules)."""
    missing = source.missing()
    if missing:
        raise InvalidInput(f"this is not a changple2 database: it has no {', '.join(missing[:10])}")
    with uow:
        last = uow.legacy.last_report()
    refused = {(r.table, r.legacy_id) for r in last.refusals} if last else set()
    if last:
        refused |= {("users_user", admin.legacy_id) for admin in last.unmapped_admins}
    report = LegacyVerifyReport()
    for kind, check in CHECKS:
        after_id, rows, matched, total = 0, 0, 0, source.count(kind)
        while True:
            page = source.page(kind, after_id=after_id, limit=page_size)
            if page.last_id is None:
                break
            report.refused += len(page.refusals)
            with uow:
                matched += _check_page(uow, page.records, check, refused, report)
            after_id, rows = page.last_id, rows + len(page.records) + len(page.refusals)
            if on_progress is not None:
                on_progress(kind.entity.value, rows, total)
        report.counts[kind.entity] = (rows, matched)
    return report
