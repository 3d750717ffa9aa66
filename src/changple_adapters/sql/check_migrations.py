"""CI's autogenerate check: migrate a fresh database to head, then ask Alembic whether the
models hold anything the migrations do not. Exits 1 and prints the differences when they differ.

    python -m changple_adapters.sql.check_migrations [--postgres URL]

Without --postgres it checks SQLite only; CI passes the local server's URL too."""

from __future__ import annotations

import argparse
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg

from changple_adapters.sql.migrations import check_models_match, head_revision, upgrade_database
from changple_adapters.sql.schema_version import HEAD_REVISION


def _check(url: str, label: str) -> bool:
    upgrade_database(url)
    differences = check_models_match(url)
    if differences:
        print(f"{label}: the models and the migrations differ; write a migration for:")
        for diff in differences:
            print(f"  {diff}")
        return False
    print(f"{label}: models and migrations agree")
    return True


def _check_postgres(admin_url: str) -> bool:
    name = f"changple_migcheck_{uuid.uuid4().hex[:10]}"
    conninfo = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = conninfo.rsplit("/", 1)[0]
        return _check(f"{base}/{name}", "postgres")
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", help="admin URL of a Postgres server to create a scratch database on")
    args = parser.parse_args(argv)
    ok = head_revision() == HEAD_REVISION
    if not ok:
        print(f"schema_version.HEAD_REVISION is {HEAD_REVISION!r} but the newest migration is {head_revision()!r}")
    with tempfile.TemporaryDirectory() as tmp:
        ok &= _check(f"sqlite:///{Path(tmp) / 'check.db'}", "sqlite")
    if args.postgres:
        ok &= _check_postgres(args.postgres)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
