"""The changple2 schema as the importer needs it: per record type, its table, the columns it reads,
and how a row becomes the record's fields. Django names tables `<app>_<model>` and foreign keys
`<field>_id`; columns are read by name, so extra ones in the real monolith are ignored."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from changple_domain.model.legacy import (
    LegacyAuthor,
    LegacyBatchJob,
    LegacyBrand,
    LegacyChatMessage,
    LegacyChatSession,
    LegacyContent,
    LegacyPost,
    LegacyPostStatus,
    LegacyRecord,
    LegacyUser,
    LegacyView,
)

HELPFUL_TABLE = "chat_chatmessage_helpful_documents"
HELPFUL_COLUMNS = ("id", "chatmessage_id", "navercafedata_id")

Row = Mapping[str, Any]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _post(row: Row) -> dict[str, Any]:
    return {
        "article_id": row["post_id"],
        "title": row["title"],
        "board": _text(row["category"]),
        "content": row["content"],
        "author": row["author"],
        "published_at": row["published_date"],
        "keywords": row["keywords"] or (),
        "summary": _text(row["summary"]),
        "possible_questions": row["possible_questions"] or (),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _status(row: Row) -> dict[str, Any]:
    return {"article_id": row["post_id"], "status": row["status"], "updated_at": row["updated_at"]}


def _author(row: Row) -> dict[str, Any]:
    return {"name": row["name"], "group": _text(row["author_group"]), "active": bool(row["is_active"])}


def _brand(row: Row) -> dict[str, Any]:
    return {"name": row["name"], "description": _text(row["description"]), "good_to_know": bool(row["is_goodto_know"])}


def _user(row: Row) -> dict[str, Any]:
    return {
        "username": row["username"],
        "is_admin": row["user_type"] == "admin" or bool(row["is_superuser"]) or bool(row["is_staff"]),
        "provider": _text(row["provider"]),
        "social_id": _text(row["social_id"]).strip(),
        "name": _text(row["name"]),
        "nickname": _text(row["nickname"]),
        "email": _text(row["email"]),
        "mobile": _text(row["mobile"]),
        "profile_image": _text(row["profile_image"]),
        "naver_access_token": _text(row["naver_access_token"]),
        "information": row["information"] or {},
        "date_joined": row["date_joined"],
        "last_login": row["last_login"],
    }


def _content(row: Row) -> dict[str, Any]:
    return {
        "title": row["title"],
        "description": _text(row["description"]),
        "is_preferred": bool(row["is_preferred"]),
        "zip_file": _text(row["zip_file"]),
        "html_path": _text(row["html_path"]),
        "thumbnail": _text(row["thumbnail_img_path"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _view(row: Row) -> dict[str, Any]:
    return {"user_legacy_id": row["user_id"], "content_legacy_id": row["content_id"], "viewed_at": row["viewed_at"]}


def _session(row: Row) -> dict[str, Any]:
    return {
        "nonce": str(uuid.UUID(str(row["nonce"]))),
        "user_legacy_id": row["user_id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _message(row: Row) -> dict[str, Any]:
    attached = row["attached_content_ids"] or ()
    if not isinstance(attached, list | tuple):
        raise ValueError("attached_content_ids is not a list")
    return {
        "session_legacy_id": row["session_id"],
        "role": row["role"],
        "content": row["content"],
        "attached_content_legacy_ids": attached,
        "created_at": row["created_at"],
    }


def _batch(row: Row) -> dict[str, Any]:
    post_ids = row["post_ids"] or ()
    return {
        "job_type": row["job_type"],
        "provider": row["provider"],
        "provider_job_id": row["job_id"],
        "status": row["status"],
        "post_count": len(post_ids) if isinstance(post_ids, list) else 0,
        "created_at": row["created_at"],
    }


class TableSpec:
    """What one record type reads: the columns (id first), the JSON ones, the row mapping."""

    def __init__(
        self, columns: tuple[str, ...], to_fields: Callable[[Row], dict[str, Any]], json: tuple[str, ...] = ()
    ) -> None:
        self.columns, self.to_fields, self.json = ("id", *columns), to_fields, json


SPECS: dict[type[LegacyRecord], TableSpec] = {
    LegacyPost: TableSpec(
        (
            "title",
            "category",
            "content",
            "author",
            "published_date",
            "post_id",
            "keywords",
            "summary",
            "possible_questions",
            "created_at",
            "updated_at",
        ),
        _post,
        json=("keywords", "possible_questions"),
    ),
    LegacyPostStatus: TableSpec(("post_id", "status", "updated_at"), _status),
    LegacyAuthor: TableSpec(("name", "author_group", "is_active"), _author),
    LegacyBrand: TableSpec(("name", "description", "is_goodto_know"), _brand),
    LegacyUser: TableSpec(
        (
            "username",
            "is_superuser",
            "is_staff",
            "user_type",
            "provider",
            "social_id",
            "profile_image",
            "naver_access_token",
            "name",
            "nickname",
            "mobile",
            "email",
            "information",
            "date_joined",
            "last_login",
        ),
        _user,
        json=("information",),
    ),
    LegacyContent: TableSpec(
        (
            "title",
            "description",
            "thumbnail_img_path",
            "zip_file",
            "is_preferred",
            "html_path",
            "created_at",
            "updated_at",
        ),
        _content,
    ),
    LegacyView: TableSpec(("user_id", "content_id", "viewed_at"), _view),
    LegacyChatSession: TableSpec(("user_id", "nonce", "created_at", "updated_at"), _session),
    LegacyChatMessage: TableSpec(
        ("role", "content", "attached_content_ids", "session_id", "created_at"),
        _message,
        json=("attached_content_ids",),
    ),
    LegacyBatchJob: TableSpec(
        ("job_type", "provider", "job_id", "status", "post_ids", "created_at"), _batch, json=("post_ids",)
    ),
}


def required_columns() -> dict[str, tuple[str, ...]]:
    """Every table the importer reads with the columns it needs."""
    needed = {kind.table: spec.columns for kind, spec in SPECS.items()}
    needed[HELPFUL_TABLE] = HELPFUL_COLUMNS
    return needed
