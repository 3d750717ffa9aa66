"""`changple naver check`: does the saved Naver session still work? Asks the cafe for one article
the way a scan would, so an operator who has just renewed the session (or wonders why the nightly
scan stopped) gets an answer in seconds instead of at 04:00."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from changple_domain.errors import InvalidSetting
from changple_entrypoints.choices import ENV_PREFIX
from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    print_json,
    run_or_exit,
)

if TYPE_CHECKING:
    from changple_domain.model.providers import ScrapedArticle
    from changple_domain.ports import CafeSource
    from changple_entrypoints.settings import Settings

naver_app = typer.Typer(help="The Naver Cafe session the scraper uses.", no_args_is_help=True)

# Exit codes: 0 the session works, 5 it has expired (as `changple scrape`), 4 the cafe did not answer.
SESSION_EXPIRED_EXIT = 5
NO_ANSWER_EXIT = 4

RENEW_HOW = (
    "log in to Naver once in a browser on a machine with a display and save its storage_state "
    "(for example: playwright codegen --save-storage=naver_state.json https://nid.naver.com/nidlogin.login), "
    f"copy the file here and point {ENV_PREFIX}NAVER_STORAGE_STATE at it"
)


def _check_settings(settings: Settings) -> None:
    from changple_entrypoints.composition.adapters import chosen_cafe_source

    if chosen_cafe_source(settings) != "playwright":
        raise InvalidSetting(f"there is no Naver session to check: set {ENV_PREFIX}NAVER_CAFE_URL to scrape Naver")
    if settings.naver_storage_state is None:
        raise InvalidSetting(f"{ENV_PREFIX}NAVER_STORAGE_STATE is not set: {RENEW_HOW}")


def _verdict(answer: ScrapedArticle) -> tuple[int, str]:
    from changple_domain.model.providers import ScrapeOutcome

    if answer.outcome is ScrapeOutcome.LOGIN_REQUIRED:
        return SESSION_EXPIRED_EXIT, f"the session has expired: {RENEW_HOW}"
    if answer.outcome is ScrapeOutcome.ERROR:
        return (
            NO_ANSWER_EXIT,
            f"the cafe did not give a usable answer, so the session could not be checked: {answer.reason}",
        )
    if answer.outcome is ScrapeOutcome.MEMBERS_ONLY:
        return 0, "the session works, but this account is not a member who may read this article"
    return 0, f"the session works: article {answer.article_id} answered {answer.outcome.value}"


@naver_app.command("check")
def check(
    article: Annotated[
        int | None, typer.Option("--article", min=1, help="Ask for this article id (default: the newest known).")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Fetch one article with the saved session: exit 0 if it works, 5 if it has expired."""
    container = container_for(data_dir, migrate=True)
    settings = container.settings()
    run_or_exit(lambda: _check_settings(settings))
    article_id: int = run_or_exit(lambda: container.article_to_check(article))
    # The command holds the source to close it (until the CafeSource port can close itself).
    source: CafeSource = run_or_exit(container.cafe_source)
    try:
        answer = source.fetch(article_id)
    finally:
        source.close()
    code, message = _verdict(answer)
    if as_json:
        print_json(
            {
                "article_id": article_id,
                "outcome": answer.outcome.value,
                "session_works": code == 0,
                "message": message,
                "reason": answer.reason,
            }
        )
    elif code == 0:
        console.print(f"[green]ok[/]: {escape(message)}")
    else:
        err_console.print(f"[bold red]error[/]: {escape(message)}")
    raise typer.Exit(code)


def attach(app: typer.Typer) -> None:
    app.add_typer(naver_app, name="naver")
