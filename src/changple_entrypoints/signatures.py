"""Handler signatures as Typer and Litestar read them: a factory that makes the commands and routes
of every kind of catalog entry drops the parameters a kind has no use for (a brand has no group to
filter on), so they appear as neither an option nor a query parameter."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])


def without(parameter: str) -> Callable[[F], F]:
    """Hide `parameter` from the handler's signature and annotations: it is never passed, so it
    keeps its default."""

    def drop(handler: F) -> F:
        signature = inspect.signature(handler)

        @functools.wraps(handler)
        def dropped(*args: Any, **kwargs: Any) -> Any:
            return handler(*args, **kwargs)

        dropped.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p for p in signature.parameters.values() if p.name != parameter]
        )
        dropped.__annotations__ = {k: v for k, v in handler.__annotations__.items() if k != parameter}
        return cast(F, dropped)

    return drop
