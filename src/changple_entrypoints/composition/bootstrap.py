"""How every process starts: build the container for the settings, declare the actors on its
broker, and (for the CLI) make sure the embedded database exists. Production and tests both go
through these functions, so what a test builds is what runs."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from dependency_injector import providers
from pydantic import ValidationError

from changple_domain.errors import InvalidSetting
from changple_entrypoints.choices import ENV_PREFIX, Storage
from changple_entrypoints.composition.adapters import make_token_cipher
from changple_entrypoints.composition.background import background_work
from changple_entrypoints.composition.container import Container
from changple_entrypoints.settings import EMBEDDED_DATABASE_FILE, Settings
from changple_entrypoints.worker.actors import register_actors

# A scan may overrun its time budget by this much (finishing the article in hand) before Dramatiq
# stops its actor.
SCAN_TIME_LIMIT_MARGIN_SECONDS = 600


def build_container(settings: Settings | None = None) -> Container:
    """The container for these settings (read from the environment when not given), with the
    actors declared on its broker. The broker object is made here; it connects on first use."""
    container = Container(settings=providers.Object(settings or Settings()))
    register_actors(
        container.broker(),
        background_work(container),
        queue=container.task_queue,
        scan_time_limit_seconds=container.scan_policy().time_budget_seconds + SCAN_TIME_LIMIT_MARGIN_SECONDS,
    )
    return container


def _settings_refusal(exc: ValidationError) -> str:
    """`CHANGPLE_STORAGE: Input should be 'sql' or 'memory' (got 'bogus')`, one clause per bad setting."""
    clauses = []
    for error in exc.errors():
        name = ENV_PREFIX + "_".join(str(part) for part in error["loc"]).upper()
        clauses.append(f"{name}: {error['msg']} (got {error.get('input')!r})")
    return "invalid setting " + "; ".join(clauses)


def checked_settings(data_dir: Path | None = None, overrides: Mapping[str, object] | None = None) -> Settings:
    """The environment's settings (with a command's `overrides`, such as `scrape --snapshot`), every
    policy setting checked up front, so a bad value is a sentence before any work starts."""
    given = {**({"data_dir": data_dir} if data_dir else {}), **(overrides or {})}
    try:
        settings = Settings(**given)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise InvalidSetting(_settings_refusal(exc)) from None
    settings.ingestion_policy()
    settings.pipeline_config()
    settings.check_web()
    make_token_cipher(settings)  # a malformed CHANGPLE_TOKEN_KEYS is a sentence, not a traceback
    return settings


def _migrate_embedded_store(settings: Settings) -> None:
    """Create or upgrade the data directory's SQLite file; a store already at the newest schema is
    left alone without loading Alembic."""
    from changple_adapters.private_paths import private_directory
    from changple_adapters.sql.schema_version import sqlite_store_is_current

    if settings.data_dir.exists():
        private_directory(settings.data_dir)  # a store made before 0700 data folders
    if not sqlite_store_is_current(settings.data_dir / EMBEDDED_DATABASE_FILE):
        from changple_adapters.sql.migrations import upgrade_database

        upgrade_database(settings.resolved_database_url)


def open_container(
    data_dir: Path | None = None, *, migrate: bool, overrides: Mapping[str, object] | None = None
) -> Container:
    """The one rule for every command: settings checked, container built, and with `migrate` the
    embedded SQLite database (no CHANGPLE_DATABASE_URL) created or upgraded first. A configured
    database is left to `changple db upgrade`: migrating a shared server is an operator's act."""
    settings = checked_settings(data_dir, overrides)
    if migrate and settings.storage == Storage.SQL and not settings.database_url:
        _migrate_embedded_store(settings)
    return build_container(settings)
