from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.app import create_app
from changple_entrypoints.settings import Settings
from tests.entrypoints.callers import as_admin


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    """Embedded mode on a SQLite file of this test's own."""
    return Settings(_env_file=None, data_dir=tmp_path / "data", redis_url=None)  # type: ignore[call-arg]


@pytest.fixture
def container(embedded_settings: Settings) -> Container:
    from changple_adapters.sql.migrations import upgrade_database

    upgrade_database(embedded_settings.resolved_database_url)
    return build_container(embedded_settings)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:  # type: ignore[type-arg]
    """A client that calls as an admin (with an admin service token); `anonymous_client` does not."""
    with TestClient(app=create_app(container)) as test_client:
        yield as_admin(test_client, container)


@pytest.fixture
def anonymous_client(container: Container) -> Iterator[TestClient]:  # type: ignore[type-arg]
    with TestClient(app=create_app(container)) as test_client:
        yield test_client
