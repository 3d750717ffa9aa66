"""Validation of policy settings: a bad value becomes one clear error that names the setting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from changple_domain.errors import InvalidSetting

M = TypeVar("M", bound=BaseModel)


def build_settings(model: type[M], prefix: str = "", *, naming: Callable[[str], str] | None = None, **values: Any) -> M:
    """Build a settings model, turning pydantic's report into InvalidSetting naming each field.
    `naming` maps a field path to the name a person set it by (say, an environment variable)."""
    try:
        return model(**values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = ".".join(str(part) for part in err["loc"] if not isinstance(part, int))
            name = naming(path) if naming else prefix + path
            problems.append(f"setting '{name}': {err['msg']} (got {err.get('input')!r})")
        raise InvalidSetting("; ".join(problems)) from exc
