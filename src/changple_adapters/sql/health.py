"""Readiness of the database: one cheap round trip."""

from __future__ import annotations

from sqlalchemy import Engine, text


def database_is_reachable(engine: Engine) -> tuple[bool, str]:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its text
        return False, f"{engine.dialect.name}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return True, engine.dialect.name
