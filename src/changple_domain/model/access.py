"""Who is calling, and what they may do: signed-in users (social or admin), machines holding a
service token (the chat agent, automation), and anonymous visitors.

A service token is shown once, when it is made: `chp_<token id>_<secret>`. Only a SHA-256 hash of
the secret is stored; the secret is 256 random bits, so a fast hash is safe and a stolen table holds
nothing usable. The token id in front lets the check find the row without scanning."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import Forbidden, Unauthorized
from changple_domain.model._time import UtcDatetime
from changple_domain.model.choices import Scope as Scope
from changple_domain.model.users import User

TOKEN_PREFIX = "chp"  # noqa: S105 - a label, not a secret
_TOKEN_SHAPE = re.compile(rf"{TOKEN_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ServiceToken(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[0-9a-f]{12}$")
    name: str = Field(min_length=1, max_length=100)
    scopes: frozenset[Scope] = Field(min_length=1)
    secret_hash: str = Field(repr=False)
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None = None
    revoked_at: UtcDatetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, secret: str) -> bool:
        """Constant-time comparison, so timing does not leak how much of a guess was right."""
        return hmac.compare_digest(hash_secret(secret), self.secret_hash)


def new_service_token(name: str, scopes: frozenset[Scope], *, now: datetime) -> tuple[ServiceToken, str]:
    """A new token and its full text; the text is never stored and cannot be shown again."""
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ServiceToken(id=token_id, name=name.strip(), scopes=scopes, secret_hash=hash_secret(secret), created_at=now)
    return token, f"{TOKEN_PREFIX}_{token_id}_{secret}"


def split_token(text: str) -> tuple[str, str]:
    """(token id, secret) from a bearer token; anything else is Unauthorized, saying nothing more."""
    found = _TOKEN_SHAPE.fullmatch(text.strip())
    if found is None:
        raise Unauthorized("the bearer token is not a changple service token")
    return found.group(1), found.group(2)


class Caller(BaseModel):
    """The caller of one request. Exactly one of `user` and `token` is set, or neither (anonymous)."""

    model_config = ConfigDict(frozen=True)

    user: User | None = None
    token: ServiceToken | None = None

    @property
    def anonymous(self) -> bool:
        return self.user is None and self.token is None

    @property
    def scopes(self) -> frozenset[Scope]:
        if self.user is not None:
            return frozenset(Scope) if self.user.is_admin else frozenset()
        if self.token is not None:
            return self.token.scopes
        return frozenset()

    @property
    def sees_every_post(self) -> bool:
        """Operators (admins, tokens with `admin` or `pipeline`) read every stored post; everyone
        else, the chat agent included since its answers go to visitors, only what the ingestion
        policy lets into the index (`use_cases/read_posts.py`)."""
        return bool(self.scopes & {Scope.ADMIN, Scope.PIPELINE})

    def require(self, scope: Scope) -> None:
        """401 for nobody, 403 for somebody without the scope (an admin token passes everywhere)."""
        if self.anonymous:
            raise Unauthorized("sign in, or send a service token as 'Authorization: Bearer ...'")
        if scope not in self.scopes and Scope.ADMIN not in self.scopes:
            raise Forbidden(f"this needs the '{scope.value}' permission, which this caller does not have")

    def require_user(self) -> User:
        """The signed-in user; machines and visitors are refused."""
        if self.user is None:
            if self.token is not None:
                raise Forbidden("this is for signed-in people, not service tokens")
            raise Unauthorized("sign in with Naver first")
        return self.user
