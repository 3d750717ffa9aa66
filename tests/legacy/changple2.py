"""Build changple2 databases with Django itself (migrate, then fill through the ORM) in a
subprocess, on Postgres or SQLite, with a MEDIA_ROOT holding the Notion files its rows name, and
run `changple` against a changple store (embedded SQLite or a Postgres database of its own)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from changple_adapters.sql.token_cipher import generate_key
from tests.fixtures.uploads import notion_export

SHARED = Path(os.environ.get("CHANGPLE2_PROJECT", "/work/shared/legacy/changple2"))
FILL = Path(__file__).with_name("changple2_fill.py")
DJANGO_TIMEOUT = 300


@dataclass
class Changple2:
    """One changple2 database and its MEDIA_ROOT."""

    url: str  # as the importer takes it
    media: Path
    env: dict[str, str] = field(default_factory=dict)

    def django(self, *args: str) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHANGPLE", "DJANGO"))}
        env |= self.env | {"DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(SHARED)}
        result = subprocess.run(
            [sys.executable, *args], cwd=SHARED, env=env, capture_output=True, text=True, timeout=DJANGO_TIMEOUT
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def fill(self, scenario: str, *extra: str) -> str:
        return self.django(str(FILL), scenario, *extra)


def write_media(media: Path) -> None:
    """The files the base rows name: a zip, an extracted export, a zip bomb (the missing one and
    the one outside MEDIA_ROOT are named but never written)."""
    (media / "notion_zips").mkdir(parents=True, exist_ok=True)
    (media / "notion_zips" / "checklist.zip").write_bytes(notion_export(title="가맹 계약 체크리스트"))
    with zipfile.ZipFile(io.BytesIO(notion_export(title="상권 분석"))) as archive:
        archive.extractall(media / "notion_extracted" / "area")
    (page,) = (media / "notion_extracted" / "area").glob("*.html")
    page.rename(page.with_name("상권 분석.html"))  # the name the row's html_path gives
    (media / "notion_zips" / "bomb.zip").write_bytes(
        notion_export(extra_entries={"bomb.txt": b"\0" * (4 * 1024 * 1024)})
    )
    (media.parent / "outside.zip").write_bytes(notion_export(title="바깥"))


def changple2_database(root: Path, *, postgres_url: str | None) -> Changple2:
    """A migrated, empty changple2 database: on Postgres at `postgres_url`, else SQLite under `root`."""
    media = root / "media"
    media.mkdir(parents=True)
    env = {"CHANGPLE2_MEDIA_ROOT": str(media)}
    if postgres_url is not None:
        env["CHANGPLE2_DATABASE_URL"] = postgres_url
        url = postgres_url
    else:
        sqlite_path = root / "changple2.sqlite3"
        env["CHANGPLE2_SQLITE_PATH"] = str(sqlite_path)
        url = f"sqlite:///{sqlite_path}"
    legacy = Changple2(url=url, media=media, env=env)
    legacy.django("manage.py", "migrate", "-v", "0")
    return legacy


@dataclass
class ChangpleStore:
    """The changple side: a data directory, and a Postgres database when `database_url` is set."""

    data: Path
    database_url: str | None = None
    token_key: str = field(default_factory=generate_key)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")} | {"COLUMNS": "200"}
        env["CHANGPLE_TOKEN_KEYS"] = self.token_key
        if self.database_url:
            env["CHANGPLE_DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str, timeout: int = 600) -> tuple[int, str, str]:
        """`changple ARGS --data-dir DATA`: (exit code, stdout, stderr); never a traceback."""
        result = subprocess.run(
            [sys.executable, "-m", "changple_entrypoints", *args, "--data-dir", str(self.data)],
            capture_output=True,
            text=True,
            env=self.env(),
            timeout=timeout,
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, result.stdout, result.stderr

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data / 'changple.db').as_posix()}"
