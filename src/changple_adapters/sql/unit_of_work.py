"""The SQL unit of work: one session, and so one transaction, per `with` block."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from changple_adapters.sql._support import is_unavailable, unavailable
from changple_adapters.sql.accounts import SqlRevocationRepository, SqlServiceTokenRepository, SqlUserRepository
from changple_adapters.sql.content import (
    CONTENTS_WRITTEN,
    SqlChatRepository,
    SqlContentRepository,
    SqlContentViewRepository,
)
from changple_adapters.sql.legacy_ledger import SqlLegacyLedger
from changple_adapters.sql.repositories import (
    AUTHORS_TABLE,
    BRANDS_TABLE,
    SqlBatchJobRepository,
    SqlCatalogRepository,
    SqlPipelineRunRepository,
    SqlPostRepository,
    SqlPostStatusRepository,
)
from changple_adapters.sql.scan_runs import SqlScanRunRepository
from changple_adapters.sql.token_cipher import TokenCipher
from changple_domain.errors import ConcurrentUpdate
from changple_domain.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """Opens a fresh session on entry; leaving the block without `commit()` rolls everything back."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        cipher: TokenCipher | None = None,
        on_content_commit: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._cipher = cipher  # for provider tokens; without it those columns refuse to be touched
        self._on_content_commit = on_content_commit  # told after a commit that wrote content
        self._session: Session | None = None

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open; enter it one block at a time")
        session = self._session_factory()
        self._session = session
        self.posts = SqlPostRepository(session)
        self.statuses = SqlPostStatusRepository(session)
        self.authors = SqlCatalogRepository(session, AUTHORS_TABLE)
        self.brands = SqlCatalogRepository(session, BRANDS_TABLE)
        self.batches = SqlBatchJobRepository(session)
        self.runs = SqlPipelineRunRepository(session)
        self.scans = SqlScanRunRepository(session)
        self.users = SqlUserRepository(session, self._cipher)
        self.service_tokens = SqlServiceTokenRepository(session)
        self.revocations = SqlRevocationRepository(session, self._cipher)
        self.contents = SqlContentRepository(session)
        self.content_views = SqlContentViewRepository(session)
        self.chats = SqlChatRepository(session)
        self.legacy = SqlLegacyLedger(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.rollback()  # nothing to undo after a commit; everything since, if there was no commit
        except sa_exc.SQLAlchemyError as failed:
            if exc is None and is_unavailable(failed):
                raise unavailable(failed) from failed
            if exc is None:
                raise
        finally:
            session.close()
        if isinstance(exc, sa_exc.SQLAlchemyError) and is_unavailable(exc):
            raise unavailable(exc) from exc

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is used outside its `with` block")
        return self._session

    def commit(self) -> None:
        wrote_content = self.session.info.pop(CONTENTS_WRITTEN, False)
        try:
            self.session.commit()
        except sa_exc.IntegrityError as exc:
            self.session.rollback()
            raise ConcurrentUpdate("the transaction conflicted with another one; reload and try again") from exc
        except sa_exc.SQLAlchemyError as exc:
            if is_unavailable(exc):
                self.session.rollback()
                raise unavailable(exc) from exc
            raise
        if wrote_content and self._on_content_commit is not None:
            self._on_content_commit()

    def rollback(self) -> None:
        self.session.info.pop(CONTENTS_WRITTEN, None)
        self.session.rollback()
