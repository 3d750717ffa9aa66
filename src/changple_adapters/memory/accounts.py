"""Users, service tokens and queued revocations in memory, with the same uniqueness rules as the
SQL tables: one user per (provider, social id), one active service token per name."""

from __future__ import annotations

from collections.abc import Callable

from changple_adapters.memory.content import delete_user_rows
from changple_adapters.memory.repositories import MemoryTables
from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model.access import ServiceToken
from changple_domain.model.users import NewUser, PendingRevocation, User
from changple_domain.ports import RevocationRepository, ServiceTokenRepository, UserRepository

NextId = Callable[[str], int]


class MemoryUserRepository(UserRepository):
    def __init__(self, tables: MemoryTables, next_id: NextId) -> None:
        self._tables, self._rows, self._next_id = tables, tables.users, next_id

    def add(self, new: NewUser) -> User:
        profile = new.profile
        if self.get_by_social_id(profile.provider, profile.social_id) is not None:
            raise AlreadyExists(f"a {profile.provider} user with this social id already exists")
        user = new.with_id(self._next_id("users"))
        self._rows[user.id] = user
        self._tables.note_added("users", user.id)
        return user

    def save(self, user: User) -> None:
        stored = self._rows.get(user.id)
        if stored is None:
            raise NotFound(f"no user with id {user.id}")
        self._rows[user.id] = user.model_copy(update={"account_key": stored.account_key})  # set once, as in SQL

    def get(self, user_id: int) -> User | None:
        return self._rows.get(user_id)

    def get_by_social_id(self, provider: str, social_id: str) -> User | None:
        return next((u for u in self._rows.values() if (u.provider, u.social_id) == (provider, social_id)), None)

    def list(self, *, limit: int = 100, offset: int = 0) -> list[User]:
        return sorted(self._rows.values(), key=lambda u: u.id)[offset : offset + max(limit, 0)]

    def delete(self, user_id: int) -> bool:
        if self._rows.pop(user_id, None) is None:
            return False
        delete_user_rows(self._tables, user_id)  # views, chat sessions and uploads, as the SQL keys do
        return True


class MemoryServiceTokenRepository(ServiceTokenRepository):
    def __init__(self, tables: MemoryTables) -> None:
        self._tables, self._rows = tables, tables.service_tokens

    def add(self, token: ServiceToken) -> None:
        if token.id in self._rows or (token.active and self.get_by_name(token.name) is not None):
            raise AlreadyExists(f"service token '{token.name}' already exists")
        self._rows[token.id] = token
        self._tables.note_added("service_tokens", token.id)

    def save(self, token: ServiceToken) -> None:
        if token.id not in self._rows:
            raise NotFound(f"no service token with id {token.id}")
        self._rows[token.id] = token

    def get(self, token_id: str) -> ServiceToken | None:
        return self._rows.get(token_id)

    def get_by_name(self, name: str) -> ServiceToken | None:
        return next((t for t in self._rows.values() if t.name == name and t.active), None)

    def list(self, *, include_revoked: bool = False) -> list[ServiceToken]:
        tokens = [t for t in self._rows.values() if include_revoked or t.active]
        return sorted(tokens, key=lambda t: (t.created_at, t.id))


class MemoryRevocationRepository(RevocationRepository):
    def __init__(self, tables: MemoryTables, next_id: NextId) -> None:
        self._rows, self._next_id = tables.revocations, next_id

    def add(self, pending: PendingRevocation) -> PendingRevocation:
        stored = pending.model_copy(update={"id": self._next_id("revocations")})
        self._rows[stored.id] = stored  # type: ignore[index]
        return stored

    def save(self, pending: PendingRevocation) -> None:
        if pending.id not in self._rows:
            raise NotFound(f"no queued revocation {pending.id}")
        self._rows[pending.id] = pending

    def remove(self, pending_id: int) -> None:
        self._rows.pop(pending_id, None)

    def list(self, *, limit: int = 100) -> list[PendingRevocation]:
        return sorted(self._rows.values(), key=lambda p: p.id or 0)[: max(limit, 0)]
