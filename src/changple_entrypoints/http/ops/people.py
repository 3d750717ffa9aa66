"""The console's users page at `/ops/users`: everyone who has signed in, with their role, when they
signed up and when they last signed in, and a button to promote a user to admin or demote an admin.

The rules are the domain's (`accounts.set_role`); the page only asks first, and says so plainly
when the admin is about to demote themself (the console then turns them away). A button answers
with the list as it now stands, the change said above it; a refusal (an unknown id, a bad form)
lands in the page's flash area with the status the API would give."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.response import Template
from pydantic import BaseModel, ConfigDict, Field

from changple_domain.model.ids import MAX_ID
from changple_domain.model.users import User, UserRole
from changple_domain.use_cases.people_console import UserList
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.ops.render import FORM, fragment, page


class RoleForm(BaseModel):
    """Give a user a role: `admin` promotes, `social` (an ordinary signed-in user) demotes."""

    model_config = ConfigDict(extra="ignore")

    user_id: int = Field(ge=1, le=MAX_ID)
    role: UserRole


def _me(caller: CallerDep) -> int | None:
    return caller.user.id if caller.user is not None else None


@get("/users", sync_to_thread=True)
def users_page(console_users: UseCase[UserList], caller: CallerDep) -> Template:
    return page("users.html", caller, listed=console_users(), me=_me(caller), message=None)


@post("/users/role", sync_to_thread=True, status_code=200)
def users_role(
    role_then_list: UseCase[tuple[User, UserList]], caller: CallerDep, data: Annotated[RoleForm, FORM]
) -> Template:
    user, listed = role_then_list(data.user_id, data.role)
    who = user.nickname or user.name or f"user {user.id}"
    message = f"{who} is now an admin" if user.is_admin else f"{who} is no longer an admin"
    return fragment("_users_list.html", listed=listed, me=_me(caller), message=message)


PEOPLE_HANDLERS = [users_page, users_role]
