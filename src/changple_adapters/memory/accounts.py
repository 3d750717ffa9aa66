"""Users, service tokens and queued revocations in memory, with the same uniqueness rules as the
SQL tables: one user per (provider, social id), one active service token per name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from changple_adapters.memory.content import delete_user_rows
from changple_adapters.memory.repositories import MemoryTables, StoredById
from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model.access import ServiceToken
from changple_domain.model.users import NewUser, PendingRevocation, User
from changple_domain.ports import RevocationRepository, ServiceTokenRepository, UserRepository

NextId = Callable[[str], int]


class MemoryUserRepository(UserRepository):
    def __init__(self, tables: MemoryTables, next_id: NextId) -> None:
        self._tables, self._rows, self._next_id = tables, tables.users, next_id

    def add(self, new: NewUser) -> User:
        return self.add_many([new])[0]

    def add_many(self, news: Sequence[NewUser]) -> list[User]:
        taken = {(u.provider, u.social_id) for u in self._rows.values()}
        for new in news:  # checked first: nothing is stored when one is refused
            key = (new.profile.provider, new.profile.social_id)
            if key in taken:
                raise AlreadyExists(f"a {key[0]} user with this social id already exists")
            taken.add(key)
        added = []
        for new in news:
            user = new.with_id(self._next_id("users"))
            self._rows[user.id] = user
            self._tables.note_added("users", user.id)
            added.append(user)
        return added

    def save(self, user: User) -> None:
        stored = self._rows.get(user.id)
        if stored is None:
            raise NotFound(f"no user with id {user.id}")
        self._rows[user.id] = user.model_copy(update={"account_key": stored.account_key})  # set once, as in SQL

    def get(self, user_id: int) -> User | None:
        return self._rows.get(user_id)

    def get_by_social_id(self, provider: str, social_id: str) -> User | None:
        return self.get_many_by_social_id(provider, [social_id]).get(social_id)

    def get_many_by_social_id(self, provider: str, social_ids: Iterable[str]) -> dict[str, User]:
        wanted = set(social_ids)
        return {u.social_id: u for u in self._rows.values() if u.provider == provider and u.social_id in wanted}

    def list(self, *, limit: int = 100, offset: int = 0) -> list[User]:
        return sorted(self._rows.values(), key=lambda u: u.id)[offset : offset + max(limit, 0)]

    def delete(self, user_id: int) -> bool:
        if self._rows.pop(user_id, None) is None:
            return False
        delete_user_rows(self._tables, user_id)  # views, chat sessions and uploads, as the SQL keys do
        return True


class MemoryServiceTokenRepository(StoredById[ServiceToken], ServiceTokenRepository):
    noun = "service token"
    table = "service_tokens"

    def _taken(self, record: ServiceToken) -> str | None:
        """An active token's name is unique too; the error names the name."""
        if record.id in self._rows or (record.active and self.get_by_name(record.name) is not None):
            return record.name
        return None

    def _missing(self, record_id: str) -> str:
        return f"no service token with id {record_id}"

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
