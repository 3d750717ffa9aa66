"""Service tokens for machines: made with a name and scopes, shown once, checked on every request,
revoked by name or id. Checking records when a token was last used, at most once a minute, so a busy
agent does not turn every read into a write."""

from __future__ import annotations

from datetime import timedelta

from changple_domain.errors import AlreadyExists, InvalidInput, NotFound, Unauthorized
from changple_domain.model.access import Scope, ServiceToken, new_service_token, split_token
from changple_domain.ports import Clock, UnitOfWork

LAST_USED_RESOLUTION = timedelta(minutes=1)


def parse_scopes(values: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    """Scope names as typed by a person; an unknown name is InvalidInput listing the known ones."""
    known = {s.value for s in Scope}
    unknown = sorted({v.strip() for v in values} - known)
    if unknown:
        raise InvalidInput(f"unknown scope {', '.join(unknown)}: choose from {', '.join(sorted(known))}")
    if not values:
        raise InvalidInput(f"give a token at least one scope: {', '.join(sorted(known))}")
    return frozenset(Scope(v.strip()) for v in values)


def create_service_token(
    name: str, scopes: frozenset[Scope], *, uow: UnitOfWork, clock: Clock
) -> tuple[ServiceToken, str]:
    """The token and its text (shown once). Names are unique among active tokens."""
    if not name.strip():
        raise InvalidInput("a service token needs a name, such as 'chat-agent'")
    token, text = new_service_token(name, scopes, now=clock.now())
    with uow:
        if uow.service_tokens.get_by_name(token.name) is not None:
            raise AlreadyExists(f"an active service token is already named '{token.name}': revoke it first")
        uow.service_tokens.add(token)
        uow.commit()
    return token, text


def authenticate_service_token(text: str, *, uow: UnitOfWork, clock: Clock) -> ServiceToken:
    """The active token this text belongs to; Unauthorized (with one message for every failure,
    so a prober learns nothing) when it is malformed, unknown, wrong or revoked."""
    refused = Unauthorized("the service token is not valid")
    try:
        token_id, secret = split_token(text)
    except Unauthorized:
        raise refused from None
    with uow:
        token = uow.service_tokens.get(token_id)
        if token is None or not token.matches(secret) or not token.active:
            raise refused
        now = clock.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            token = token.model_copy(update={"last_used_at": now})
            uow.service_tokens.save(token)
            uow.commit()
    return token


def revoke_service_token(name_or_id: str, *, uow: UnitOfWork, clock: Clock) -> ServiceToken:
    """Revoke the active token with this name, or the token with this id; repeating it is harmless."""
    with uow:
        token = uow.service_tokens.get_by_name(name_or_id.strip()) or uow.service_tokens.get(name_or_id.strip())
        if token is None:
            raise NotFound(f"no service token named or with id '{name_or_id}'")
        if token.active:
            token = token.model_copy(update={"revoked_at": clock.now()})
            uow.service_tokens.save(token)
            uow.commit()
    return token


def list_service_tokens(*, include_revoked: bool = False, uow: UnitOfWork) -> list[ServiceToken]:
    """Tokens by name, with the revoked ones when asked; their text is never kept, so never shown."""
    with uow:
        return uow.service_tokens.list(include_revoked=include_revoked)
