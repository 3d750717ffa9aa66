"""`changple users ...` and `changple tokens ...`: roles for people who signed in with Naver, and
service tokens for machines (the chat agent, automation). A token's text is printed once, when it is
made; afterwards only its name, id and scopes are shown."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from changple_domain.model.choices import Scope, UserRole
from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    plural,
    print_json,
    run_or_exit,
)

if TYPE_CHECKING:  # the models load when a command runs, not for --help
    from changple_domain.model.access import ServiceToken
    from changple_domain.model.users import User

users_app = typer.Typer(help="People who signed in with Naver, and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="Service tokens for machines: the chat agent, automation.", no_args_is_help=True)

UserId = Annotated[int, typer.Argument(help="The user's id (see `changple users list`).", min=1)]


def user_json(user: User) -> dict[str, Any]:
    """What is safe to show about a user: never their tokens."""
    return {
        "id": user.id,
        "provider": user.provider,
        "social_id": user.social_id,
        "name": user.name,
        "nickname": user.nickname,
        "role": user.role.value,
        "created_at": user.created_at.isoformat(),
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
    }


def token_json(token: ServiceToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "scopes": sorted(s.value for s in token.scopes),
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


# --- users ----------------------------------------------------------------------------------


@users_app.command("list")
def users_list(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """People who have signed in, oldest first."""
    container = container_for(data_dir, migrate=True)
    users: list[User] = run_or_exit(lambda: container.list_users(limit=limit, offset=offset))
    if as_json:
        print_json([user_json(u) for u in users])
        return
    table = Table(title=f"{len(users)} users")
    for column in ("id", "nickname", "name", "role", "last sign-in"):
        table.add_column(column, overflow="fold")
    for u in users:
        seen = f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else ""
        table.add_row(str(u.id), escape(u.nickname), escape(u.name), u.role.value, seen)
    console.print(table)


def _change_role(user_id: int, role: UserRole, as_json: bool, data_dir: Any) -> None:
    container = container_for(data_dir, migrate=True)
    user: User = run_or_exit(lambda: container.set_user_role(user_id, role))
    if as_json:
        print_json(user_json(user))
    else:
        console.print(f"user {user.id} ([bold]{escape(user.nickname or user.social_id)}[/]) is now {role.value}")


@users_app.command("promote")
def users_promote(user_id: UserId, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Make a user an admin: the ops console, the admin API, scans and runs."""
    _change_role(user_id, UserRole.ADMIN, as_json, data_dir)


@users_app.command("demote")
def users_demote(user_id: UserId, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Make an admin a social user again."""
    _change_role(user_id, UserRole.SOCIAL, as_json, data_dir)


@users_app.command("new-key")
def users_new_key() -> None:
    """Print a fresh key for CHANGPLE_TOKEN_KEYS (put it first; keep old keys after it until rotated)."""
    from changple_adapters.sql.token_cipher import generate_key  # cryptography: only for this command

    typer.echo(generate_key())


def console_link(
    url: Annotated[
        str, typer.Option(help="where the console is served; default CHANGPLE_PUBLIC_API_URL, else this machine's")
    ] = "",
    minutes: Annotated[float | None, typer.Option(min=1, max=1440, help="how long it works")] = None,
    data_dir: DataDir = None,
) -> None:
    """Print a new one-time login link for the console of the embedded install in the data
    directory, while `changple serve` runs there (no restart needed). It works once."""
    container = container_for(data_dir, migrate=True)
    settings = container.settings()
    if not settings.embedded:
        err_console.print("[bold red]error[/]: login links are for an embedded install; with Redis, sign in with Naver")
        raise typer.Exit(2)
    lasts = minutes or settings.ops_login_link_minutes
    secret = run_or_exit(lambda: container.issue_login_link(timedelta(minutes=lasts)))
    base = (url or settings.public_api_url or "http://127.0.0.1:8000").rstrip("/")
    # soft_wrap: the link stays on one line (copied whole) whatever the terminal's width
    console.print(
        f"console login link (works once, for {lasts:g} minutes):\n    {base}/ops/login?token={secret}", soft_wrap=True
    )


# --- tokens ---------------------------------------------------------------------------------


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="Who uses it, such as chat-agent.")],
    scope: Annotated[
        list[str], typer.Option("--scope", help=f"Repeat for several: {', '.join(s.value for s in Scope)}.")
    ],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Make a token. Its text is shown this once: store it in the machine's secret store."""
    from changple_domain.use_cases.service_tokens import parse_scopes

    container = container_for(data_dir, migrate=True)
    scopes = run_or_exit(lambda: parse_scopes(scope))  # parsing what was typed, not a use case
    made: tuple[ServiceToken, str] = run_or_exit(lambda: container.create_service_token(name, scopes))
    token, text = made
    if as_json:
        print_json({**token_json(token), "token": text})
        return
    console.print(f"service token [bold]{escape(token.name)}[/] ({token.id}), scopes {', '.join(sorted(scope))}:")
    console.print(text, markup=False, highlight=False, soft_wrap=True)
    console.print("[dim]This is the only time it is shown. Send it as 'Authorization: Bearer <token>'.[/]")


@tokens_app.command("list")
def tokens_list(
    include_revoked: Annotated[bool, typer.Option("--all", help="Include revoked tokens.")] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Tokens by name, id and scopes (never their text)."""
    container = container_for(data_dir, migrate=True)
    tokens: list[ServiceToken] = run_or_exit(lambda: container.list_service_tokens(include_revoked=include_revoked))
    if as_json:
        print_json([token_json(t) for t in tokens])
        return
    table = Table(title=plural(len(tokens), "service token"))
    for column in ("name", "id", "scopes", "last used", "revoked"):
        table.add_column(column, overflow="fold")
    for t in tokens:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        revoked = f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else ""
        table.add_row(escape(t.name), t.id, ", ".join(sorted(s.value for s in t.scopes)), used, revoked)
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    name_or_id: Annotated[str, typer.Argument(help="The token's name or id.")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Revoke a token at once; requests carrying it get 401 from now on."""
    container = container_for(data_dir, migrate=True)
    token: ServiceToken = run_or_exit(lambda: container.revoke_service_token(name_or_id))
    if as_json:
        print_json(token_json(token))
    else:
        console.print(f"service token [bold]{escape(token.name)}[/] ({token.id}) is revoked")


def attach(app: typer.Typer) -> None:
    app.command("console-link")(console_link)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
