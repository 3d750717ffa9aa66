"""How handlers receive what they need. A handler names a bound use case as a parameter
(`search: UseCase[list[SearchHit]]`) and Litestar hands over the callable the composition root bound
under that name (`composition/`); a handler never sees the container or a repository."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from litestar.di import NamedDependency
from litestar.params import SkipValidation

from changple_domain.model.access import Caller

T = TypeVar("T")

UseCase = NamedDependency[SkipValidation[Callable[..., T]]]
CallerDep = NamedDependency[SkipValidation[Caller]]
