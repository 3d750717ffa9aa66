"""The local admin of an embedded install: the person at the terminal that started the server,
signed in to the console by a one-time login link instead of Naver."""

from __future__ import annotations

from datetime import timedelta

from changple_domain.errors import AlreadyExists
from changple_domain.model.users import NewUser, SocialProfile, User, UserRole
from changple_domain.ports import Clock, LoginLinkStore, UnitOfWork

LOCAL_PROVIDER = "local"
LOCAL_ADMIN_ID = "local-admin"


def ensure_local_admin(*, uow: UnitOfWork, clock: Clock) -> User:
    """The local admin user, created on first use; an admin again whenever a link is redeemed,
    because whoever holds the terminal owns the install."""
    now = clock.now()
    with uow:
        user = uow.users.get_by_social_id(LOCAL_PROVIDER, LOCAL_ADMIN_ID)
        if user is None:
            profile = SocialProfile(provider=LOCAL_PROVIDER, social_id=LOCAL_ADMIN_ID, nickname="local admin")
            try:
                user = uow.users.add(NewUser(profile=profile, role=UserRole.ADMIN, created_at=now, last_login_at=now))
                uow.commit()
                return user
            except AlreadyExists:  # a racing redeem made it first
                uow.rollback()
                user = uow.users.get_by_social_id(LOCAL_PROVIDER, LOCAL_ADMIN_ID)
                if user is None:  # pragma: no cover - the id was just seen taken
                    raise
        user = user.model_copy(update={"role": UserRole.ADMIN, "last_login_at": now})
        uow.users.save(user)
        uow.commit()
    return user


def sign_in_with_link(secret: str, *, links: LoginLinkStore, uow: UnitOfWork, clock: Clock) -> User:
    """Spend a one-time login link (Unauthorized when it cannot be used) and return the local admin."""
    links.redeem(secret, now=clock.now())
    return ensure_local_admin(uow=uow, clock=clock)


def issue_login_link(ttl: timedelta, *, links: LoginLinkStore, clock: Clock) -> str:
    """A new one-time login link's secret, valid for `ttl` from now; it is shown once."""
    return links.issue(now=clock.now(), ttl=ttl)
