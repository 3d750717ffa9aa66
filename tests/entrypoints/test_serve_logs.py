"""`changple serve` as a real process: a login callback whose `error_description` carries newlines,
CR, terminal escapes and Unicode line separators cannot write a line of its own into the server log."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.entrypoints.test_serve import PATIENT, _free_port, _start_serve, _wait_until_healthy

FORGED = "user 3 signed in"
PAYLOAD = f"denied\n2026-12-02 13:00:00,000 INFO changple: {FORGED}\r\x1b[2K\u2028\u2029{FORGED} again"


@pytest.mark.hostile
@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_forged_error_description_stays_inside_its_own_log_line(tmp_path: Path, server: str) -> None:
    port = _free_port()
    naver = {
        "CHANGPLE_NAVER_LOGIN_CLIENT_ID": "client",
        "CHANGPLE_NAVER_LOGIN_CLIENT_SECRET": "secret-not-logged",
        "CHANGPLE_NAVER_LOGIN_REDIRECT_URI": f"http://127.0.0.1:{port}/api/v1/auth/naver/callback/",
    }
    process = _start_serve(tmp_path, port, server, env=naver)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_healthy(base, process)
        with httpx.Client(base_url=base, timeout=PATIENT, headers={"Accept": "application/json"}) as browser:
            started = browser.get("/api/v1/auth/naver/login/")
            assert started.status_code == 302, started.text
            state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
            callback = browser.get(
                "/api/v1/auth/naver/callback/",
                params={"state": state, "error": "access_denied", "error_description": PAYLOAD},
            )
            assert callback.json()["error"] == "login_denied"
            # A path with a newline in it, logged by the server and by the app's 404 handling.
            browser.get(f"/api/v1/nowhere%0A2026-12-02 INFO {FORGED}")
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = process.stdout.read() if process.stdout else ""
    lines = output.split("\n")  # split on LF only: CR and U+2028 must not be there either
    failed = [line for line in lines if "naver login failed" in line]
    assert len(failed) == 1, output
    assert f"\\n2026-12-02 13:00:00,000 INFO changple: {FORGED}\\r\\x1b[2K\\u2028\\u2029" in failed[0]
    assert [line for line in lines if FORGED in line and line not in failed and "nowhere" not in line] == []
    assert not any(ch in output for ch in "\r\x1b\u2028\u2029"), output
    assert "secret-not-logged" not in output
