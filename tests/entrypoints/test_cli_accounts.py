"""`changple users ...` and `changple tokens ...` as an operator runs them: real processes on a
fresh embedded database."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

from changple_adapters.sql.migrations import upgrade_database
from changple_domain.model.users import OAuthTokens, SocialProfile
from changple_domain.use_cases.accounts import sign_in
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.settings import Settings
from tests.entrypoints.test_cli import run_cli

ACCESS = "naver-access-token-that-must-not-leak"


def test_tokens_are_shown_once_listed_without_text_and_revoked(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    made = run_cli(
        "tokens", "create", "chat-agent", "--scope", "chat", "--scope", "pipeline", "--json", "--data-dir", data
    )
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)
    assert token["token"].startswith(f"chp_{token['id']}_")
    assert token["scopes"] == ["chat", "pipeline"]

    listed = json.loads(run_cli("tokens", "list", "--json", "--data-dir", data).stdout)
    assert [t["name"] for t in listed] == ["chat-agent"]
    assert "token" not in listed[0]
    assert token["token"].split("_", 2)[2] not in run_cli("tokens", "list", "--data-dir", data).stdout

    again = run_cli("tokens", "create", "chat-agent", "--scope", "chat", "--data-dir", data)
    assert again.returncode == 1
    assert "revoke it first" in " ".join(again.stderr.split())
    unknown = run_cli("tokens", "create", "x", "--scope", "everything", "--data-dir", data)
    assert unknown.returncode == 2
    assert "choose from admin, chat, metrics, pipeline" in " ".join(unknown.stderr.split())

    revoked = run_cli("tokens", "revoke", "chat-agent", "--json", "--data-dir", data)
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["revoked_at"]
    assert json.loads(run_cli("tokens", "list", "--json", "--data-dir", data).stdout) == []
    assert len(json.loads(run_cli("tokens", "list", "--all", "--json", "--data-dir", data).stdout)) == 1
    missing = run_cli("tokens", "revoke", "nobody", "--data-dir", data)
    assert missing.returncode == 3
    assert "no service token named" in missing.stderr


def test_users_are_listed_promoted_and_demoted_and_their_tokens_stay_sealed(tmp_path: Path) -> None:
    data = tmp_path / "d"
    settings = Settings(_env_file=None, data_dir=data, redis_url=None)  # type: ignore[call-arg]
    upgrade_database(settings.resolved_database_url)
    container = build_container(settings)
    now = datetime(2026, 11, 22, tzinfo=UTC)
    tokens = OAuthTokens.received(
        access_token=ACCESS, refresh_token="r", token_type="bearer", expires_in="3600", now=now
    )
    user = sign_in(
        SocialProfile(social_id="nv-1", nickname="창업준비생"), tokens, uow=container.uow(), clock=container.clock()
    ).user

    listed = run_cli("users", "list", "--json", "--data-dir", str(data))
    assert listed.returncode == 0, listed.stderr
    [shown] = json.loads(listed.stdout)
    assert (shown["id"], shown["nickname"], shown["role"]) == (user.id, "창업준비생", "social")
    assert ACCESS not in listed.stdout

    promoted = run_cli("users", "promote", str(user.id), "--json", "--data-dir", str(data))
    assert json.loads(promoted.stdout)["role"] == "admin"
    demoted = run_cli("users", "demote", str(user.id), "--data-dir", str(data))
    assert "is now social" in demoted.stdout
    nobody = run_cli("users", "promote", "999", "--data-dir", str(data))
    assert nobody.returncode == 3
    assert "no user with id 999" in nobody.stderr

    # Embedded mode keeps its key beside the database, readable by its owner only; the database
    # itself holds ciphertext.
    key_file = data / "token.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    with sqlite3.connect(data / "changple.db") as db:
        dump = "\n".join(db.iterdump())
    assert "창업준비생" in dump
    assert ACCESS not in dump


def test_new_key_prints_a_usable_key() -> None:
    result = run_cli("users", "new-key")
    assert result.returncode == 0
    key = result.stdout.strip()
    assert len(key) == 44
    assert key.endswith("=")


def test_a_malformed_token_key_is_exit_2_naming_the_variable(tmp_path: Path) -> None:
    result = run_cli("users", "list", "--data-dir", str(tmp_path / "d"), env={"CHANGPLE_TOKEN_KEYS": "not-a-key"})
    assert result.returncode == 2
    assert "CHANGPLE_TOKEN_KEYS" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_console_link_printed_while_the_server_runs_opens_the_console_once(tmp_path: Path) -> None:
    """`changple console-link` in another terminal: no restart, and the running server takes it."""
    import re

    from litestar.testing import TestClient

    from changple_entrypoints.http.app import create_app

    data = tmp_path / "d"
    settings = Settings(_env_file=None, data_dir=data, redis_url=None)  # type: ignore[call-arg]
    upgrade_database(settings.resolved_database_url)
    with TestClient(app=create_app(build_container(settings))) as browser:  # the server, already running
        printed = run_cli("console-link", "--url", "http://cafe-ops.local:8000/", "--data-dir", str(data))
        assert printed.returncode == 0, printed.stderr
        found = re.search(r"http://cafe-ops\.local:8000(/ops/login\?token=[A-Za-z0-9_-]+)\n", printed.stdout)
        assert found, printed.stdout
        assert browser.get(found.group(1), follow_redirects=False).status_code == 303
        assert browser.get("/ops").status_code == 200
        again = browser.get(found.group(1), follow_redirects=False)
        assert again.status_code == 401
        assert "console-link" in again.text  # the way to a new one
    token = found.group(1).partition("token=")[2]
    assert not [p for p in (data / "login-links").iterdir() if token in p.name or token in p.read_text()]


def test_a_console_link_is_refused_with_redis_where_admins_sign_in_with_naver(tmp_path: Path) -> None:
    refused = run_cli(
        "console-link", "--data-dir", str(tmp_path / "d"), env={"CHANGPLE_REDIS_URL": "redis://127.0.0.1:6379/0"}
    )
    assert refused.returncode == 2
    assert "sign in with Naver" in " ".join(refused.stderr.split())
