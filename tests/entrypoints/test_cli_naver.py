"""`changple naver check` as an operator runs it after renewing the Naver session: a real process,
real Chromium, the fixture cafe on 127.0.0.1 whose article API wants the session cookies."""

from __future__ import annotations

import json
from pathlib import Path

from tests.entrypoints.test_cli import run_cli
from tests.fixtures.naver_cafe.corpus import CLUB_ID
from tests.fixtures.naver_cafe.site import NaverCafeSite

pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin"]


def _env(site: NaverCafeSite, chromium_path: str, storage_state: Path, data: Path) -> dict[str, str]:
    return {
        "CHANGPLE_NAVER_CAFE_URL": f"{site.base_url}/{site.cafe}",
        "CHANGPLE_NAVER_CLUB_ID": str(CLUB_ID),
        "CHANGPLE_NAVER_API_BASE_URL": site.base_url,
        "CHANGPLE_NAVER_STORAGE_STATE": str(storage_state),
        "CHANGPLE_CHROMIUM_PATH": chromium_path,
        "CHANGPLE_NAVER_PAGE_TIMEOUT_SECONDS": "10",
        "CHANGPLE_DATA_DIR": str(data),
    }


def test_a_working_session_is_exit_0(
    naver_cafe_site: NaverCafeSite, chromium_path: str, naver_storage_state: Path, tmp_path: Path
) -> None:
    env = _env(naver_cafe_site, chromium_path, naver_storage_state, tmp_path / "data")
    result = run_cli("naver", "check", "--article", "1001", "--json", env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["session_works"] is True
    assert answer["outcome"] == "saved"


def test_an_expired_session_is_exit_5_with_how_to_renew_it(
    naver_cafe_site: NaverCafeSite, chromium_path: str, tmp_path: Path
) -> None:
    expired = tmp_path / "expired_state.json"
    expired.write_text(json.dumps({"cookies": [], "origins": []}), encoding="utf-8")
    env = _env(naver_cafe_site, chromium_path, expired, tmp_path / "data")
    result = run_cli("naver", "check", "--article", "1001", env=env)
    assert result.returncode == 5
    said = " ".join(result.stderr.split())
    assert "the session has expired" in said
    assert "CHANGPLE_NAVER_STORAGE_STATE" in said
    assert "Traceback" not in result.stderr


def test_check_without_a_naver_cafe_or_session_says_what_to_set(tmp_path: Path) -> None:
    no_cafe = run_cli("naver", "check", "--data-dir", str(tmp_path / "a"))
    assert no_cafe.returncode == 2
    assert "CHANGPLE_NAVER_CAFE_URL" in no_cafe.stderr
    no_session = run_cli(
        "naver", "check", "--data-dir", str(tmp_path / "b"), env={"CHANGPLE_NAVER_CAFE_URL": "https://cafe.naver.com/x"}
    )
    assert no_session.returncode == 2
    assert "CHANGPLE_NAVER_STORAGE_STATE is not set" in " ".join(no_session.stderr.split())
