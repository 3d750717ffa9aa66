"""The `changple` script's entry point. The base install (`pip install changple`, pydantic only)
puts the script on the path too; without the command's libraries it says in one sentence what to
install instead of dying with a traceback."""

from __future__ import annotations

import importlib.util
import sys

# What the command needs before it can even print its help (the `cli` extra).
COMMAND_LIBRARIES = ("typer", "rich", "pydantic_settings", "sqlalchemy")


def missing_libraries() -> list[str]:
    return [name for name in COMMAND_LIBRARIES if importlib.util.find_spec(name) is None]


def main() -> None:
    missing = missing_libraries()
    if missing:
        sys.stderr.write(
            f"error: the changple command needs {', '.join(missing)}, which this install lacks; "
            "install it with `pip install 'changple[all]'`.\n"
        )
        sys.exit(2)
    from changple_entrypoints.cli import main as run_command

    run_command()
