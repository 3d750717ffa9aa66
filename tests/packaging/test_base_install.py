"""`pip install changple` must give a usable domain with pydantic as its only dependency.
This installs the project's own wheel, with its declared base dependencies, into a fresh
virtual environment and imports every domain module there."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import importlib, json, pkgutil, sys
import changple_domain
names = [m.name for m in pkgutil.walk_packages(changple_domain.__path__, "changple_domain.")]
for name in names:
    importlib.import_module(name)
from changple_domain.policies.eligibility import IngestionPolicy
from changple_adapters.memory import MemoryUnitOfWork
top = sorted({m.split(".")[0] for m in sys.modules})
import importlib.util, pathlib
adapters = pathlib.Path(importlib.util.find_spec("changple_adapters").submodule_search_locations[0])
sample = adapters / "naver" / "sample_cafe"
from changple_adapters.naver.page_records import PageRecords
records = PageRecords.in_directory(sample)
pages = [i for i in records.article_ids() if records.page(i)] if records else []
catalog = (sample / "cafe.json").is_file()
entrypoints = pathlib.Path(importlib.util.find_spec("changple_entrypoints").submodule_search_locations[0])
ops = entrypoints / "http" / "ops"
console = sorted(str(p.relative_to(ops)) for p in ops.rglob("*") if p.suffix in (".html", ".js", ".css"))
docs = sorted(p.name for p in (entrypoints / "http" / "openapi_assets").glob("*"))
print(json.dumps({"modules": names, "top": top, "sample_pages": pages, "sample_catalog": catalog, "console": console,
                  "docs": docs}))
"""


@pytest.mark.timeout(600)
def test_base_install_brings_only_pydantic(tmp_path: Path) -> None:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python), str(ROOT)], check=True)

    listed = subprocess.run([uv, "pip", "freeze", "--python", str(python)], check=True, capture_output=True, text=True)
    installed = {line.split("==")[0].split(" @ ")[0].strip().lower() for line in listed.stdout.splitlines() if line}
    assert "changple" in installed
    extras = installed - {
        "changple",
        "pydantic",
        "pydantic-core",
        "annotated-types",
        "typing-extensions",
        "typing-inspection",
    }
    assert extras == set(), f"the base install pulled more than pydantic: {sorted(extras)}"

    probe = subprocess.run([str(python), "-c", PROBE], check=True, capture_output=True, text=True)
    report = json.loads(probe.stdout)
    assert "changple_domain.use_cases.record_articles" in report["modules"]
    forbidden = {"sqlalchemy", "litestar", "dramatiq", "redis", "httpx", "psycopg", "openai", "google"}
    assert forbidden.isdisjoint(report["top"])
    # The demo's sample cafe ships inside the wheel: its pages (records and the page templates that
    # render them) and the catalog beside them.
    assert report["sample_catalog"] is True
    assert len(report["sample_pages"]) >= 40
    # So do the console's templates and static files (htmx, the style sheet).
    assert {"templates/base.html", "templates/overview.html", "static/htmx.min.js", "static/ops.css"} <= set(
        report["console"]
    )
    # And the API docs page's ReDoc, so /schema renders offline.
    assert {"redoc.standalone.js", "REDOC-LICENSE.txt"} <= set(report["docs"])
