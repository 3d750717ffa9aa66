"""Users, service tokens and queued revocations in SQL. Provider tokens go through a TokenCipher on
the way in and out, so the tables hold ciphertext only; without a cipher, touching them is an
InvalidSetting that names the missing keys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from changple_adapters.sql._support import (
    ROWS_PER_STATEMENT,
    chunked,
    first_row,
    one_of,
    refused_as,
    rows_keyed_in,
    translate_errors,
    update_existing,
)
from changple_adapters.sql.tables import ServiceTokenRow, TokenRevocationRow, UserRow
from changple_adapters.sql.token_cipher import KEYS_SETTING, TokenCipher
from changple_domain.errors import AlreadyExists, InvalidSetting
from changple_domain.model.access import ServiceToken
from changple_domain.model.users import NewUser, OAuthTokens, PendingRevocation, User
from changple_domain.ports import RevocationRepository, ServiceTokenRepository, UserRepository

USERS: Table = UserRow.__table__  # type: ignore[assignment]
TOKENS: Table = ServiceTokenRow.__table__  # type: ignore[assignment]
REVOCATIONS: Table = TokenRevocationRow.__table__  # type: ignore[assignment]


def _token(row: RowMapping) -> ServiceToken:
    return ServiceToken.model_validate(dict(row))


class _Sealed:
    """Encrypts and decrypts provider tokens, or refuses clearly when no key is configured."""

    def __init__(self, cipher: TokenCipher | None) -> None:
        self._cipher = cipher

    def _need(self) -> TokenCipher:
        if self._cipher is None:
            raise InvalidSetting(f"provider tokens cannot be stored or read: set {KEYS_SETTING}")
        return self._cipher

    def seal(self, tokens: OAuthTokens | None) -> str | None:
        return None if tokens is None else self._need().encrypt(tokens)

    def open(self, ciphertext: str | None) -> OAuthTokens | None:
        return None if ciphertext is None else self._need().decrypt(ciphertext)


_USER_FIELDS = ("provider", "social_id", "name", "nickname", "email", "mobile", "profile_image", "created_at")


class SqlUserRepository(UserRepository):
    def __init__(self, session: Session, cipher: TokenCipher | None) -> None:
        self._session, self._sealed = session, _Sealed(cipher)

    def _values(self, user: User) -> dict[str, Any]:
        values: dict[str, Any] = {name: getattr(user, name) for name in _USER_FIELDS}
        values |= {
            "information": dict(user.information),
            "role": user.role.value,
            "tokens_encrypted": self._sealed.seal(user.tokens),
            "last_login_at": user.last_login_at,
        }
        return values

    def _user(self, row: RowMapping) -> User:
        fields = {k: v for k, v in row.items() if k != "tokens_encrypted"}
        return User.model_validate({**fields, "tokens": self._sealed.open(row["tokens_encrypted"])})

    @translate_errors
    def add(self, new: NewUser) -> User:
        profile = new.profile
        taken = AlreadyExists(f"a {profile.provider} user with this social id already exists")
        if self.get_by_social_id(profile.provider, profile.social_id) is not None:
            raise taken
        user = new.with_id(0)  # the database chooses the id
        values = self._values(user) | {"account_key": user.account_key}  # written once, here
        with refused_as(self._session, taken):  # another sign-in may have created this person meanwhile
            user_id = self._session.execute(insert(USERS).values(**values).returning(USERS.c.id)).scalar_one()
        found = self.get(user_id)
        assert found is not None
        return found

    @translate_errors
    def add_many(self, news: Sequence[NewUser]) -> list[User]:
        if not news:
            return []
        provider = news[0].profile.provider
        if any(new.profile.provider != provider for new in news):
            return [self.add(new) for new in news]  # one provider a batch; mixed batches go one by one
        social_ids = [new.profile.social_id for new in news]
        taken = AlreadyExists(f"a {provider} user with one of these social ids already exists")
        if len(set(social_ids)) < len(social_ids) or self.get_many_by_social_id(provider, social_ids):
            raise taken
        rows = []
        for new in news:
            user = new.with_id(0)  # the database chooses the ids
            rows.append(self._values(user) | {"account_key": user.account_key})
        statement = insert(USERS).returning(USERS.c.id, sort_by_parameter_order=True)
        with refused_as(self._session, taken):  # another sign-in may have created one of them meanwhile
            ids = [
                i
                for chunk in chunked(rows, ROWS_PER_STATEMENT)
                for i in self._session.execute(statement, chunk).scalars()
            ]
        stored = {user.id: user for user in self._users_with_ids(ids)}
        return [stored[user_id] for user_id in ids]

    def _users_with_ids(self, ids: Sequence[int]) -> list[User]:
        return [self._user(row) for row in rows_keyed_in(self._session, USERS.c.id, ids)]

    @translate_errors
    def save(self, user: User) -> None:
        statement = update(USERS).where(USERS.c.id == user.id).values(**self._values(user))
        update_existing(self._session, statement, f"no user with id {user.id}")

    @translate_errors
    def get(self, user_id: int) -> User | None:
        return first_row(self._session, select(USERS).where(USERS.c.id == user_id), self._user)

    @translate_errors
    def get_by_social_id(self, provider: str, social_id: str) -> User | None:
        query = select(USERS).where(USERS.c.provider == provider, USERS.c.social_id == social_id)
        return first_row(self._session, query, self._user)

    @translate_errors
    def get_many_by_social_id(self, provider: str, social_ids: Iterable[str]) -> dict[str, User]:
        found: dict[str, User] = {}
        for chunk in chunked(sorted(set(social_ids)), ROWS_PER_STATEMENT):
            query = select(USERS).where(USERS.c.provider == provider, one_of(self._session, USERS.c.social_id, chunk))
            found.update((row["social_id"], self._user(row)) for row in self._session.execute(query).mappings())
        return found

    @translate_errors
    def list(self, *, limit: int = 100, offset: int = 0) -> list[User]:
        if limit <= 0:
            return []
        query = select(USERS).order_by(USERS.c.id).limit(limit).offset(max(offset, 0))
        return [self._user(row) for row in self._session.execute(query).mappings()]

    @translate_errors
    def delete(self, user_id: int) -> bool:
        result = self._session.execute(delete(USERS).where(USERS.c.id == user_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlServiceTokenRepository(ServiceTokenRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @staticmethod
    def _values(token: ServiceToken) -> dict[str, Any]:
        return {
            "name": token.name,
            "scopes": sorted(s.value for s in token.scopes),
            "secret_hash": token.secret_hash,
            "created_at": token.created_at,
            "last_used_at": token.last_used_at,
            "revoked_at": token.revoked_at,
        }

    @translate_errors
    def add(self, token: ServiceToken) -> None:
        taken = AlreadyExists(f"service token '{token.name}' already exists")
        if self.get(token.id) is not None or (token.active and self.get_by_name(token.name) is not None):
            raise taken
        with refused_as(self._session, taken):
            self._session.execute(insert(TOKENS).values(id=token.id, **self._values(token)))

    @translate_errors
    def save(self, token: ServiceToken) -> None:
        statement = update(TOKENS).where(TOKENS.c.id == token.id).values(**self._values(token))
        update_existing(self._session, statement, f"no service token with id {token.id}")

    @translate_errors
    def get(self, token_id: str) -> ServiceToken | None:
        return first_row(self._session, select(TOKENS).where(TOKENS.c.id == token_id), _token)

    @translate_errors
    def get_by_name(self, name: str) -> ServiceToken | None:
        query = select(TOKENS).where(TOKENS.c.name == name, TOKENS.c.revoked_at.is_(None))
        return first_row(self._session, query, _token)

    @translate_errors
    def list(self, *, include_revoked: bool = False) -> list[ServiceToken]:
        query = select(TOKENS).order_by(TOKENS.c.created_at, TOKENS.c.id)
        if not include_revoked:
            query = query.where(TOKENS.c.revoked_at.is_(None))
        return [_token(row) for row in self._session.execute(query).mappings()]


class SqlRevocationRepository(RevocationRepository):
    def __init__(self, session: Session, cipher: TokenCipher | None) -> None:
        self._session, self._sealed = session, _Sealed(cipher)

    def _pending(self, row: RowMapping) -> PendingRevocation:
        fields = {k: v for k, v in row.items() if k != "tokens_encrypted"}
        return PendingRevocation.model_validate({**fields, "tokens": self._sealed.open(row["tokens_encrypted"])})

    @translate_errors
    def add(self, pending: PendingRevocation) -> PendingRevocation:
        values = {
            "provider": pending.provider,
            "tokens_encrypted": self._sealed.seal(pending.tokens),
            "attempts": pending.attempts,
            "last_error": pending.last_error,
            "created_at": pending.created_at,
        }
        new_id = self._session.execute(insert(REVOCATIONS).values(**values).returning(REVOCATIONS.c.id)).scalar_one()
        return pending.model_copy(update={"id": new_id})

    @translate_errors
    def save(self, pending: PendingRevocation) -> None:
        values = {"attempts": pending.attempts, "last_error": pending.last_error}
        statement = update(REVOCATIONS).where(REVOCATIONS.c.id == pending.id).values(**values)
        update_existing(self._session, statement, f"no queued revocation {pending.id}")

    @translate_errors
    def remove(self, pending_id: int) -> None:
        self._session.execute(delete(REVOCATIONS).where(REVOCATIONS.c.id == pending_id))

    @translate_errors
    def list(self, *, limit: int = 100) -> list[PendingRevocation]:
        if limit <= 0:
            return []
        query = select(REVOCATIONS).order_by(REVOCATIONS.c.id).limit(limit)
        return [self._pending(row) for row in self._session.execute(query).mappings()]
