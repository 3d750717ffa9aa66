"""Callers for HTTP tests: service tokens made through the real use case, sent as bearer tokens."""

from __future__ import annotations

import secrets
from typing import Any

from changple_domain.model.access import Scope
from changple_domain.use_cases.service_tokens import create_service_token
from changple_entrypoints.composition.container import Container


def service_token(container: Container, *scopes: Scope) -> str:
    """The text of a new token with these scopes (admin when none are given)."""
    _, text = create_service_token(
        f"tests-{secrets.token_hex(4)}",
        frozenset(scopes or (Scope.ADMIN,)),
        uow=container.uow(),
        clock=container.clock(),
    )
    return text


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def as_admin(client: Any, container: Container) -> Any:
    """Make every request of `client` carry a new admin service token; returns the client."""
    client.headers.update(bearer(service_token(container)))
    return client
