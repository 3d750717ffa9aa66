"""What the `changple` command loads before it parses its arguments (issue 19: `--help` is fast).
The commands import models, use cases, ports and adapters where they run, so building the command
tree (what `--help` and argument errors need) loads none of them, nor pydantic. Checked in a fresh
interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import typer.main
from changple_entrypoints.cli import app
typer.main.get_command(app)  # every command's options, as --help builds them
print(json.dumps(sorted(sys.modules)))
"""

# Loaded only when a command runs (the options need only `changple_domain.model.choices`).
DEFERRED = (
    "pydantic",
    "changple_domain.model.access",
    "changple_domain.model.authors",
    "changple_domain.model.content",
    "changple_domain.model.users",
    "changple_domain.ports",
    "changple_domain.use_cases",
    "changple_domain.policies",
    "changple_domain.model.legacy",
    "changple_domain.model.providers",
    "changple_entrypoints.composition",
    "changple_entrypoints.settings",
    "sqlalchemy",
    "dramatiq",
    "httpx",
)


def test_building_the_command_tree_loads_no_model_use_case_port_or_adapter() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    loaded = json.loads(out.stdout)
    assert "changple_entrypoints.cli_catalog" in loaded  # the probe did build the commands
    early = [name for name in loaded if name.startswith(DEFERRED)]
    assert early == []
