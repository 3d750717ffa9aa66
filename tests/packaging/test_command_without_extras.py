"""The base install's `changple` script (the entry point pyproject.toml names), run where the
command's libraries cannot be imported: one sentence naming `changple[all]` and exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

BLOCK_TYPER = r"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"typer", "rich"}:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, Block())
import importlib.util
_find = importlib.util.find_spec
def find_spec(name, package=None):
    if name.split(".")[0] in {"typer", "rich"}:
        return None
    return _find(name, package)
importlib.util.find_spec = find_spec
import importlib, tomllib
target = tomllib.load(open(sys.argv.pop(), "rb"))["project"]["scripts"]["changple"]
module, _, function = target.partition(":")
sys.argv = ["changple", "--help"]
getattr(importlib.import_module(module), function)()
"""


def test_help_without_typer_says_what_to_install() -> None:
    command = [sys.executable, "-c", BLOCK_TYPER, str(PYPROJECT)]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 2
    assert "Traceback" not in ran.stderr
    assert "changple[all]" in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1
    assert ran.stdout == ""
