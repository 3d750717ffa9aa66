"""What every console handler renders with: a whole page (with who is signed in, for the header),
a fragment htmx swaps in, and the url-encoded form body its buttons send."""

from __future__ import annotations

from typing import Any

from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from changple_domain.model.access import Caller

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def page(name: str, caller: Caller, **context: Any) -> Template:
    """A whole page, with who is signed in for the header."""
    if caller.user is not None:
        who = caller.user.nickname or caller.user.name or f"user {caller.user.id}"
    else:
        who = f"token {caller.token.name}" if caller.token else "admin"
    return Template(template_name=name, context={"who": who, **context})


def fragment(name: str, **context: Any) -> Template:
    return Template(template_name=name, context=context)
