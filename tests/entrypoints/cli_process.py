"""Run `changple` as an operator would: a real process, no CHANGPLE_ settings inherited from the
test run, a wide terminal so rich does not wrap sentences, and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_changple(data: Path, *args: str) -> tuple[int, str, str]:
    """`changple ARGS --data-dir DATA`: (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")} | {"COLUMNS": "160"}
    result = subprocess.run(
        [sys.executable, "-m", "changple_entrypoints", *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr
