"""Validation of policy settings: a bad value becomes one clear error that names the setting."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from changple_domain.errors import InvalidSetting

M = TypeVar("M", bound=BaseModel)


def build_settings(model: type[M], prefix: str = "", **values: Any) -> M:
    """Build a settings model, turning pydantic's report into InvalidSetting naming each field."""
    try:
        return model(**values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = prefix + ".".join(str(part) for part in err["loc"]) if err["loc"] else prefix.rstrip(".")
            problems.append(f"setting '{name}': {err['msg']} (got {err.get('input')!r})")
        raise InvalidSetting("; ".join(problems)) from exc
