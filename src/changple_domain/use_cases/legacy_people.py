"""Importing changple2's people and what they did: users, Notion columns, views, chats.

Users are matched by Naver id (a superuser without one is reported, or mapped to an existing Naver
account by the operator); columns go through the same checked upload path as an admin's upload;
views, chat sessions and messages are rewritten to changple's ids through the import's marks, and a
row whose user, column, session or cited post was not carried is refused with that reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from changple_domain.errors import ChangpleError, InvalidInput
from changple_domain.model.chat import ChatMessage, ChatSession, NewChatMessage, check_nonce, title_from
from changple_domain.model.content import ContentView, NewContent, NotionContent
from changple_domain.model.legacy import (
    LegacyChatMessage,
    LegacyChatSession,
    LegacyContent,
    LegacyEntity,
    LegacyMark,
    LegacyRecord,
    LegacyUser,
    LegacyView,
    UnmappedAdmin,
)
from changple_domain.model.users import NewUser, User, UserRole
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.content_uploads import UploadContent, process_content, store_upload
from changple_domain.use_cases.legacy_carry import CHAT_ROLES, merge_user, profile_of, role_of, tokens_of
from changple_domain.use_cases.legacy_import import ImportContext, unchanged


def targets(ctx: ImportContext, entity: LegacyEntity, legacy_ids: Any) -> dict[int, str]:
    """Where the import put these legacy rows: legacy id -> changple key."""
    marks = ctx.uow.legacy.marks(entity, legacy_ids).items()
    return {i: mark.target for i, mark in marks if mark.fingerprint != PENDING}


def _social_id(ctx: ImportContext, record: LegacyUser) -> str | None:
    if record.social_id:
        return record.social_id
    mapped = ctx.cmd.admin_map.get(record.username)
    if record.is_admin and mapped is None:
        ctx.report.unmapped_admins.append(
            UnmappedAdmin(
                legacy_id=record.legacy_id,
                username=record.username,
                reason="a Django superuser without a Naver id; map it with --map-admin USERNAME=NAVER_ID",
            )
        )
        return None
    if mapped is None:
        ctx.refuse(record, "the user has no Naver id, so nobody can sign in as them")
    return mapped


def carry_users(ctx: ImportContext, records: Sequence[LegacyUser]) -> None:
    """A page of people: their accounts looked up at once, the new ones added at once (a social id
    seen twice in the page is added before the second is merged into it)."""
    marks, fresh = unchanged(ctx, records)
    tally = ctx.report.entities[LegacyEntity.USERS]
    wanted = [(record, _social_id(ctx, record)) for record in fresh]
    found: dict[tuple[str, str], User] = {}
    for provider in {record.provider or "naver" for record, social_id in wanted if social_id}:
        ids = [social_id for record, social_id in wanted if social_id and (record.provider or "naver") == provider]
        found |= {(provider, i): user for i, user in ctx.uow.users.get_many_by_social_id(provider, ids).items()}
    adding: dict[tuple[str, str], tuple[LegacyUser, NewUser]] = {}

    def add_pending() -> None:
        added = ctx.uow.users.add_many([new for _, new in adding.values()])
        for (key, (record, _)), user in zip(adding.items(), added, strict=True):
            found[key] = user
            new_marks.append(ctx.mark(record, user.id))
        tally.imported += len(added)
        adding.clear()

    new_marks: list[LegacyMark] = []
    for record, social_id in wanted:
        if social_id is None:
            continue
        key = (record.provider or "naver", social_id)
        if key in adding:
            add_pending()
        current = found.get(key)
        if current is None and not record.social_id:
            ctx.refuse(record, f"--map-admin names Naver id '{social_id}', which no changple account has")
            continue
        if current is None:
            adding[key] = (
                record,
                NewUser(
                    profile=profile_of(record, social_id),
                    tokens=tokens_of(record),
                    role=role_of(record),
                    created_at=record.date_joined,
                    last_login_at=record.last_login,
                ),
            )
            continue
        user = merge_user(current, record) if record.social_id else _admin(current, record)
        if user != current:
            ctx.uow.users.save(user)
            found[key] = user
            tally.changed += 1
        else:
            tally.kept_newer += record.legacy_id not in marks
            tally.unchanged += record.legacy_id in marks
        new_marks.append(ctx.mark(record, user.id))
    add_pending()
    ctx.uow.legacy.put_marks(new_marks)


def _admin(current: User, record: LegacyUser) -> User:
    """A superuser mapped onto an existing Naver account: it becomes an admin, nothing else changes."""
    return current.model_copy(update={"role": UserRole.ADMIN}) if record.is_admin else current


PENDING = "pending"  # the fingerprint of a column stored but not yet processed: a rerun resumes it


def carry_contents(ctx: ImportContext, records: Sequence[LegacyContent]) -> None:
    """Each new column through the checked upload path (a missing or hostile file refuses that one);
    an edited one gets its new title, description and flag."""
    marks, fresh = unchanged(ctx, records)
    tally = ctx.report.entities[LegacyEntity.CONTENTS]
    for record in fresh:
        mark = marks.get(record.legacy_id)
        if mark is not None and mark.fingerprint != PENDING:
            current = ctx.uow.contents.get(int(mark.target))
            if current is not None:
                update = {"title": record.title, "description": record.description, "is_preferred": record.is_preferred}
                ctx.uow.contents.save(current.model_copy(update=update))
                tally.changed += 1
            ctx.uow.legacy.put_marks([ctx.mark(record, mark.target)])
            continue
        try:
            content_id = _upload(ctx, record, resume=None if mark is None else int(mark.target))
        except ChangpleError as refused:
            ctx.refuse(record, refused.detail)
            continue
        ctx.uow.legacy.put_marks([ctx.mark(record, content_id)])
        ctx.uow.commit()  # the mark right after the upload, so a rerun finds the column carried
        tally.imported += 1


def _upload(ctx: ImportContext, record: LegacyContent, *, resume: int | None) -> int:
    """Store the export (marked PENDING at once, so a kill mid-processing is resumed, not repeated),
    then process it as the worker would; a refused export is deleted and raises with the reason."""
    if ctx.cmd.dry_run:  # the same checks as an upload, no file stored
        ctx.processor.check(ctx.source.content_archive(record), ctx.content_config.limits)
        new = NewContent(
            title=record.title, description=record.description, upload_key="dry-run", created_at=record.created_at
        )
        return ctx.uow.contents.add(new).id
    ports = {"uow": ctx.uow, "storage": ctx.storage, "processor": ctx.processor, "clock": ctx.clock}
    content_id = resume
    if content_id is None:
        archive = ctx.source.content_archive(record)
        cmd = UploadContent(title=record.title, description=record.description, is_preferred=record.is_preferred)
        ctx.uow.commit()
        ctx.uow.__exit__(None, None, None)  # the upload path runs its own transactions
        pending = ctx.mark(record, "").model_copy(update={"fingerprint": PENDING})

        def mark_pending(uow: UnitOfWork, stored: NotionContent) -> None:  # in the row's own transaction
            uow.legacy.put_marks([pending.model_copy(update={"target": str(stored.id)})])

        try:
            stored = store_upload(cmd, archive, config=ctx.content_config, also=mark_pending, **ports)  # type: ignore[arg-type]
        finally:
            ctx.uow.__enter__()
        content_id = stored.id
    ctx.uow.commit()
    ctx.uow.__exit__(None, None, None)
    try:
        content = process_content(content_id, config=ctx.content_config, **ports)  # type: ignore[arg-type]
    finally:
        ctx.uow.__enter__()
    if not content.published:
        ctx.uow.contents.delete(content.id)
        raise InvalidInput(content.failure or "the export could not be processed")
    ctx.uow.contents.save(content.model_copy(update={"created_at": record.created_at}))
    return content.id


def carry_views(ctx: ImportContext, records: Sequence[LegacyView]) -> None:
    marks, fresh = unchanged(ctx, records)
    users = targets(ctx, LegacyEntity.USERS, (r.user_legacy_id for r in fresh))
    contents = targets(ctx, LegacyEntity.CONTENTS, (r.content_legacy_id for r in fresh))
    tally, new_marks, views = ctx.report.entities[LegacyEntity.VIEWS], [], []
    for record in fresh:
        earlier = marks.get(record.legacy_id)
        if earlier is not None:  # carried before; changple2 never edits a view, and one is never doubled
            tally.kept_newer += 1
            new_marks.append(ctx.mark(record, earlier.target))
            continue
        if _missing(ctx, record, users, record.user_legacy_id, "user") or _missing(
            ctx, record, contents, record.content_legacy_id, "column"
        ):
            continue
        user_id, content_id = int(users[record.user_legacy_id]), int(contents[record.content_legacy_id])
        views.append(ContentView(user_id=user_id, content_id=content_id, viewed_at=record.viewed_at))
        new_marks.append(ctx.mark(record, f"{user_id}:{content_id}"))
    ctx.uow.content_views.add_many(views)
    tally.imported += len(views)
    ctx.uow.legacy.put_marks(new_marks)


def _missing(ctx: ImportContext, record: LegacyRecord, found: dict[int, str], legacy_id: int, what: str) -> bool:
    if legacy_id in found:
        return False
    ctx.refuse(record, f"its {what} (changple2 id {legacy_id}) was not carried")
    return True


def carry_sessions(ctx: ImportContext, records: Sequence[LegacyChatSession]) -> None:
    """A page of chat sessions: looked up at once, the new ones added at once."""
    marks, fresh = unchanged(ctx, records)
    users = targets(ctx, LegacyEntity.USERS, (r.user_legacy_id for r in fresh if r.user_legacy_id is not None))
    tally, new_marks = ctx.report.entities[LegacyEntity.CHAT_SESSIONS], []
    carried: list[tuple[LegacyChatSession, str]] = []
    for record in fresh:
        try:
            nonce = check_nonce(record.nonce)
        except InvalidInput as refused:
            ctx.refuse(record, refused.detail)
            continue
        owner = record.user_legacy_id
        if owner is not None and _missing(ctx, record, users, owner, "user"):
            continue
        carried.append((record, nonce))
    stored = ctx.uow.chats.get_sessions(nonce for _, nonce in carried)
    adding: dict[str, ChatSession] = {}
    for record, nonce in carried:
        if nonce in adding or nonce in stored:
            if record.legacy_id in marks:
                tally.unchanged += 1
            else:
                tally.kept_newer += (
                    1  # changple's own chat (or an earlier row) with this nonce: its owner never changes
                )
        else:
            owner = record.user_legacy_id
            adding[nonce] = ChatSession(
                nonce=nonce,
                user_id=None if owner is None else int(users[owner]),
                created_at=record.created_at,
                last_message_at=record.updated_at,
            )
            tally.imported += 1
        new_marks.append(ctx.mark(record, nonce))
    ctx.uow.chats.add_sessions(list(adding.values()))
    ctx.uow.legacy.put_marks(new_marks)


def _message_refusal(record: LegacyChatMessage, sessions: dict[int, str], contents: dict[int, str]) -> str | None:
    if record.session_legacy_id not in sessions:
        return f"its chat session (changple2 id {record.session_legacy_id}) was not carried"
    if record.missing_post_rows:
        gone = ", ".join(str(i) for i in record.missing_post_rows)
        return f"it cites scraper_navercafedata rows that are gone ({gone})"
    if record.role not in CHAT_ROLES:
        return f"role '{record.role}' is neither 'user' nor 'assistant'"
    lost = [i for i in record.attached_content_legacy_ids if i not in contents]
    if lost:
        return f"it attaches columns that were not carried ({', '.join(str(i) for i in lost)})"
    return None


def carry_messages(ctx: ImportContext, records: Sequence[LegacyChatMessage]) -> None:
    """A page of messages in one insert; each session's title, count and last time follow them. A
    message carried before and edited in changple2 since is written over its copy, never doubled."""
    marks, fresh = unchanged(ctx, records)
    sessions = targets(ctx, LegacyEntity.CHAT_SESSIONS, (r.session_legacy_id for r in fresh))
    contents = targets(ctx, LegacyEntity.CONTENTS, (i for r in fresh for i in r.attached_content_legacy_ids))
    touched: dict[str, ChatSession] = {}
    carried: list[tuple[LegacyChatMessage, NewChatMessage]] = []
    edited: list[tuple[LegacyChatMessage, ChatMessage]] = []
    stored_sessions = ctx.uow.chats.get_sessions(sessions.values())
    for record in fresh:
        refusal = _message_refusal(record, sessions, contents)
        nonce = sessions.get(record.session_legacy_id, "")
        session = touched.get(nonce) or (stored_sessions.get(nonce) if refusal is None else None)
        if refusal is not None or session is None:
            ctx.refuse(record, refusal or f"chat session {nonce} is gone from changple")
            continue
        message = NewChatMessage(
            session_nonce=nonce,
            role=CHAT_ROLES[record.role],
            content=record.content,
            attached_content_ids=tuple(int(contents[i]) for i in record.attached_content_legacy_ids),
            helpful_post_ids=record.helpful_article_ids,
            created_at=record.created_at,
        )
        earlier = marks.get(record.legacy_id)
        if earlier is not None:  # carried before: the same message, edited
            edited.append((record, message.with_id(int(earlier.target))))
            continue
        title = session.title or (title_from(record.content) if message.role.value == "user" else "")
        touched[nonce] = session.model_copy(
            update={
                "title": title,
                "message_count": session.message_count + 1,
                "last_message_at": max(session.last_message_at, message.created_at),
            }
        )
        carried.append((record, message))
    stored = ctx.uow.chats.add_messages([message for _, message in carried])
    ctx.uow.chats.save_sessions(list(touched.values()))
    ctx.uow.chats.replace_messages([message for _, message in edited])
    ctx.uow.legacy.put_marks(
        [ctx.mark(record, m.id) for (record, _), m in zip(carried, stored, strict=True)]
        + [ctx.mark(record, message.id) for record, message in edited]
    )
    tally = ctx.report.entities[LegacyEntity.CHAT_MESSAGES]
    tally.imported += len(stored)
    tally.changed += len(edited)


PEOPLE_STEPS: tuple[tuple[type[Any], Callable[[ImportContext, Sequence[Any]], None]], ...] = (
    (LegacyUser, carry_users),
    (LegacyContent, carry_contents),
    (LegacyView, carry_views),
    (LegacyChatSession, carry_sessions),
    (LegacyChatMessage, carry_messages),
)
