"""`changple_domain.model` loads its names lazily (PEP 562): every name in `__all__` is still there
on first use, and importing the package (or one submodule) does not build every model."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import changple_domain.model

PROBE = """
import json, sys
import changple_domain.model
import changple_domain.model.ids
print(json.dumps(sorted(name for name in sys.modules if name.startswith("changple_domain.model."))))
"""


@pytest.mark.parametrize("name", changple_domain.model.__all__)
def test_every_exported_name_is_there_and_is_the_submodules_own(name: str) -> None:
    value = getattr(changple_domain.model, name)
    defined_in = importlib.import_module(f"changple_domain.model.{changple_domain.model._SUBMODULE_OF[name]}")
    assert value is getattr(defined_in, name)
    assert name in dir(changple_domain.model)


def test_star_import_gives_every_exported_name() -> None:
    names: dict[str, object] = {}
    exec("from changple_domain.model import *", names)
    assert set(changple_domain.model.__all__) <= set(names)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        changple_domain.model.Nope  # noqa: B018


def test_importing_the_package_or_one_submodule_builds_no_other_model() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout) == ["changple_domain.model.ids"]
