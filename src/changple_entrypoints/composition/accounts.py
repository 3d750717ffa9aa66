"""Accounts' use cases bound to their ports: who is calling, signing in with Naver, withdrawal,
roles, service tokens, the local admin's one-time login links, and the scraper's Naver session."""

from __future__ import annotations

from dependency_injector import providers

from changple_domain.use_cases import accounts, local_admin, naver_session, people_console, service_tokens
from changple_entrypoints.composition.ports import Ports


class AccountUseCases(Ports):
    # `identify_caller(Credentials)`: the caller of one request (`http/access.py`).
    identify_caller = providers.Callable(accounts.identify_caller, uow=Ports.uow, clock=Ports.clock)
    # Naver Login: `naver_login_url(state)`, then `finish_naver_login(code, state)` (async) at the callback.
    naver_login_url = providers.Callable(accounts.login_url, oauth=Ports.oauth)
    finish_naver_login = providers.Callable(accounts.finish_login, oauth=Ports.oauth, uow=Ports.uow, clock=Ports.clock)
    # `withdraw_account(user)` (async): the grant revoked (or queued), the account deleted.
    withdraw_account = providers.Callable(accounts.withdraw, oauth=Ports.oauth, uow=Ports.uow, clock=Ports.clock)
    list_users = providers.Callable(accounts.list_users, uow=Ports.uow)
    set_user_role = providers.Callable(accounts.set_role, uow=Ports.uow)
    # The console's users page: `console_users()`, `role_then_list(user_id, role)` (the change, then the list).
    console_users = providers.Callable(people_console.user_list, uow=Ports.uow)
    role_then_list = providers.Callable(people_console.role_then_list, uow=Ports.uow)
    # Service tokens: `create_service_token(name, scopes)` answers the token and its text (shown once).
    create_service_token = providers.Callable(service_tokens.create_service_token, uow=Ports.uow, clock=Ports.clock)
    list_service_tokens = providers.Callable(service_tokens.list_service_tokens, uow=Ports.uow)
    revoke_service_token = providers.Callable(service_tokens.revoke_service_token, uow=Ports.uow, clock=Ports.clock)
    # The local admin of an embedded install: `issue_login_link(ttl)` at `serve`, `sign_in_with_login_link(secret)`.
    issue_login_link = providers.Callable(local_admin.issue_login_link, links=Ports.login_links, clock=Ports.clock)
    sign_in_with_login_link = providers.Callable(
        local_admin.sign_in_with_link, links=Ports.login_links, uow=Ports.uow, clock=Ports.clock
    )
    # `changple naver check`: `article_to_check(article_id or None)`.
    article_to_check = providers.Callable(
        naver_session.article_to_check,
        uow=Ports.uow,
        first_article_id=Ports.settings.provided.scan_first_article_id,
    )
