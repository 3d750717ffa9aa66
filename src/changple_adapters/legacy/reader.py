"""`LegacySource` over a changple2 database: SQLAlchemy Core with reflected tables, keyset pages by
id, JSON decoded where SQLite keeps it as text (Postgres hands back jsonb already decoded)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    MetaData,
    Table,
    Text,
    cast,
    create_engine,
    func,
    inspect,
    literal,
    select,
    tuple_,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from changple_adapters.legacy.media import content_archive
from changple_adapters.legacy.schema import HELPFUL_TABLE, SPECS, required_columns
from changple_domain.errors import InvalidInput, ProviderUnavailable
from changple_domain.model.legacy import BlockDigest, LegacyChatMessage, LegacyContent, LegacyPage, LegacyRefusal, R
from changple_domain.ports import LegacySource


def _engine(url: str) -> Engine:
    """`postgresql://` means psycopg 3 (the driver changple ships); any other URL SQLAlchemy knows."""
    try:
        parsed = make_url("postgresql://" + url.removeprefix("postgres://") if url.startswith("postgres://") else url)
    except sa_exc.ArgumentError as exc:
        raise InvalidInput(f"'{url}' is not a database URL") from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed)


def _reason(exc: ValidationError | ValueError) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "row"
        return f"{where}: {first['msg']}"
    return str(exc)


class SqlLegacySource(LegacySource):
    """Reads only; never writes to the monolith. `media_root` is its MEDIA_ROOT (for content files)."""

    def __init__(self, url: str, *, media_root: Path | None = None) -> None:
        self._engine = _engine(url)
        self._media_root = media_root
        self._tables: dict[str, Table] = {}

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as connection:
                yield connection
        except sa_exc.OperationalError as exc:
            raise ProviderUnavailable(f"the changple2 database cannot be reached: {str(exc).splitlines()[0]}") from exc

    def missing(self) -> list[str]:
        with self._connect() as connection:
            inspector = inspect(connection)
            present = set(inspector.get_table_names())
            missing: list[str] = []
            for table, columns in required_columns().items():
                if table not in present:
                    missing.append(table)
                    continue
                have = {column["name"] for column in inspector.get_columns(table)}
                missing.extend(f"{table}.{column}" for column in columns if column not in have)
        return missing

    def _table(self, name: str) -> Table:
        if name not in self._tables:
            with self._connect() as connection:
                self._tables[name] = Table(name, MetaData(), autoload_with=connection)
        return self._tables[name]

    def count(self, kind: type[R]) -> int:
        table = self._table(kind.table)
        with self._connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    def page(self, kind: type[R], *, after_id: int = 0, limit: int = 500, up_to_id: int | None = None) -> LegacyPage[R]:
        spec, table = SPECS[kind], self._table(kind.table)
        query = select(*(table.c[c] for c in spec.columns)).where(table.c.id > after_id)
        if up_to_id is not None:
            query = query.where(table.c.id <= up_to_id)
        query = query.order_by(table.c.id).limit(limit)
        with self._connect() as connection:
            rows = [dict(row) for row in connection.execute(query).mappings()]
            cited = self._cited(connection, [r["id"] for r in rows]) if kind is LegacyChatMessage else {}
        records: list[R] = []
        refusals: list[LegacyRefusal] = []
        for row in rows:
            try:
                fields = spec.to_fields(self._decoded(table, row, spec.json))
                if kind is LegacyChatMessage:
                    fields |= cited.get(row["id"], {})
                records.append(kind.model_validate({"legacy_id": row["id"], **fields}))
            except (ValidationError, ValueError, TypeError) as exc:
                reason = _reason(exc) if not isinstance(exc, TypeError) else str(exc)
                refusals.append(LegacyRefusal(table=kind.table, legacy_id=row["id"], reason=reason))
        return LegacyPage[R](records=tuple(records), refusals=tuple(refusals), last_id=rows[-1]["id"] if rows else None)

    def block_digests(self, kind: type[R], block_size: int) -> dict[int, BlockDigest] | None:
        """On Postgres, one query: per block, the row count and an MD5 over each row's text (every
        column `page` reads, and for a chat message its cited rows with their article ids). Other
        databases have no digest to compute where the rows are, so the import reads every row."""
        if self._engine.dialect.name != "postgresql":
            return None
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        spec, table = SPECS[kind], self._table(kind.table)
        parts: list[Any] = [table.c[c] for c in spec.columns]
        source: Any = table
        if kind is LegacyChatMessage:  # its cited rows, gathered once per message and joined
            helpful, posts = self._table(HELPFUL_TABLE), self._table("scraper_navercafedata")
            each = (
                cast(helpful.c.navercafedata_id, Text)
                .concat(":")
                .concat(func.coalesce(cast(posts.c.post_id, Text), ""))
            )
            cited = (
                select(
                    helpful.c.chatmessage_id.label("message_id"),
                    func.string_agg(each, aggregate_order_by(literal(","), helpful.c.id)).label("cited"),
                )
                .select_from(helpful.outerjoin(posts, posts.c.id == helpful.c.navercafedata_id))
                .group_by(helpful.c.chatmessage_id)
                .subquery()
            )
            source = table.outerjoin(cited, cited.c.message_id == table.c.id)
            parts.append(cited.c.cited)
        block = ((table.c.id - 1) // block_size).label("block")
        row_digest = func.md5(cast(tuple_(*parts), Text))
        digest = func.md5(func.string_agg(row_digest, aggregate_order_by(literal(""), table.c.id)))
        query = select(block, func.count(), digest).select_from(source).group_by(block)
        with self._connect() as connection:
            return {
                int(number): BlockDigest(rows=int(rows), digest=str(value))
                for number, rows, value in connection.execute(query)
            }

    @staticmethod
    def _decoded(table: Table, row: dict[str, Any], json_columns: tuple[str, ...]) -> dict[str, Any]:
        for name in json_columns:
            value = row[name]
            if isinstance(value, str) and not isinstance(table.c[name].type, JSON):
                try:
                    row[name] = json.loads(value)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{name} is not valid JSON ({exc.msg})") from None
        return row

    def _cited(self, connection: Connection, message_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Each message's cited posts as Naver article ids; a cited row that is gone is named apart.
        `message_ids` are a keyset page's: every message id from the first to the last."""
        if not message_ids:
            return {}
        helpful, posts = self._table(HELPFUL_TABLE), self._table("scraper_navercafedata")
        query = (
            select(helpful.c.chatmessage_id, helpful.c.navercafedata_id, posts.c.post_id)
            .select_from(helpful.outerjoin(posts, posts.c.id == helpful.c.navercafedata_id))
            # the page's ids are every id from its first to its last: a range, not a list of 500
            .where(helpful.c.chatmessage_id.between(min(message_ids), max(message_ids)))
            .order_by(helpful.c.id)
        )
        cited: dict[int, dict[str, list[int]]] = {}
        for row in connection.execute(query).mappings():
            entry = cited.setdefault(row["chatmessage_id"], {"helpful_article_ids": [], "missing_post_rows": []})
            if row["post_id"] is None:
                entry["missing_post_rows"].append(row["navercafedata_id"])
            else:
                entry["helpful_article_ids"].append(row["post_id"])
        return dict(cited)

    def content_archive(self, content: LegacyContent) -> BinaryIO:
        return content_archive(self._media_root, content)

    def close(self) -> None:
        self._engine.dispose()
