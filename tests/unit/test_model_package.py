"""`changple_domain.model` loads its names lazily (PEP 562): every name in `__all__` is still there
on first use, and importing the package (or one submodule) does not build every model; the catalog
models take their details from `model.choices`, which the commands read without loading them."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import changple_domain.model
from changple_domain.model.authors import ENTRY_TYPES
from changple_domain.model.choices import DETAIL_RULES, CatalogKind

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


@pytest.mark.parametrize("kind", list(CatalogKind))
def test_each_catalog_model_takes_its_detail_rule(kind: CatalogKind) -> None:
    """The commands offer a kind's detail from `DETAIL_RULES` without loading the models; the
    model's own choices and default are the rule's."""
    rule, entry_type = DETAIL_RULES[kind], ENTRY_TYPES[kind]
    assert entry_type.kind is kind
    assert entry_type.detail_choices == rule.choices
    assert entry_type.default_detail() == rule.default
