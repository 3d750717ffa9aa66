"""Every route that redirects keeps the browser on the frontend (origin and path) or on the console
of this host, whatever `next` says. Locations are read back the way a browser reads them (WHATWG
URL rules, ada-url), against each kind of frontend setting: a host, a path under a host, a path on
this server, and none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from ada_url import URL

from changple_entrypoints.http.redirects import THIS_SERVER, Landing
from tests.entrypoints.test_auth_flow import (  # noqa: F401 - fixtures
    LOGIN,
    Site,
    SiteFactory,
    make_site,
    naver,
    naver_server,
)
from tests.fixtures.open_redirects import CONSOLE_TARGETS, EVIL, LEGITIMATE, OPEN_REDIRECTS, RAW_QUERIES

pytestmark = pytest.mark.hostile
pytest_plugins = ["tests.fixtures.naver_cafe.pytest_plugin"]  # chromium_browser

HOST_STYLE = "https://front.example"
PATH_STYLE = "https://front.example/app/"
ON_THIS_SERVER = "/app/"
FRONTENDS = [HOST_STYLE, PATH_STYLE, ON_THIS_SERVER, None]


def _frontend_prefix(frontend: str) -> str:
    return URL(frontend, "http://x.invalid").pathname


def _assert_stays(location: str, *, frontend: str | None, site: Site, payload: str) -> None:
    """The Location, resolved as a browser would on the callback, is on an allowed place."""
    here = f"{site.base}/api/v1/auth/naver/callback/"
    landed = URL(location, here)
    assert EVIL not in landed.host, (payload, location)
    assert not landed.username, (payload, location)
    assert not landed.password, (payload, location)
    assert not landed.pathname.startswith("//"), (payload, location)
    console = landed.origin == URL(site.base).origin and (
        landed.pathname == "/ops" or landed.pathname.startswith("/ops/")
    )
    if console:
        return
    assert frontend is not None, (payload, location)
    allowed = URL(frontend, site.base)
    assert landed.origin == allowed.origin, (payload, location)
    assert landed.pathname.startswith(allowed.pathname), (payload, location)
    if location == frontend or location.startswith(f"{frontend}?login_error="):
        return  # the default page, as configured
    # What we send is the parser's normal form, never the raw input.
    absolute = URL(location, here).href
    assert location in (absolute, landed.pathname + landed.search + landed.hash), (payload, location)


def _site(request: pytest.FixtureRequest, frontend: str | None) -> Site:
    """A live site (the `make_site` fixture of the login-flow tests) with this frontend setting."""
    make: SiteFactory = request.getfixturevalue("make_site")
    return make(frontend_url=frontend, session_cookie_secure=False)  # plain http on loopback


def _login(site: Site, next_path: str, *, raw: bool = False) -> httpx.Response:
    """Sign in with this `next` (`raw`: put into the query as it is). A value too long for the login
    link is refused there with a 400, which is returned: never a redirect."""
    browser = site.browser()
    if raw:
        started = browser.http.get(f"{LOGIN}?next={next_path}")
    else:
        started = browser.http.get(LOGIN, params={"next": next_path})
    if started.status_code == 400 and len(next_path) > 500:
        return started
    assert started.status_code == 302, (next_path, started.text)
    assert URL(started.headers["location"]).origin == URL(site.naver.base_url).origin
    return browser.http.get(browser.consent(started.headers["location"]))


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_no_next_leads_off_the_frontend_or_the_console(request: pytest.FixtureRequest, frontend: str | None) -> None:
    site = _site(request, frontend)
    attempts = [(payload, False) for payload in OPEN_REDIRECTS] + [(query, True) for query in RAW_QUERIES]
    for payload, raw in attempts:
        finished = _login(site, payload, raw=raw)
        if finished.status_code == 400 and len(payload) > 500:
            assert finished.json()["error"] == "invalid_input", finished.text
            continue
        if frontend is None and finished.status_code == 200:
            continue  # JSON: nowhere to send a browser (but `?x` or `#x` is a console page, on this host)
        assert finished.status_code == 303, (payload, finished.text)
        _assert_stays(finished.headers["location"], frontend=frontend, site=site, payload=payload)


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_real_frontend_and_console_pages_still_work(request: pytest.FixtureRequest, frontend: str | None) -> None:
    site = _site(request, frontend)
    for next_path, lands in CONSOLE_TARGETS:
        finished = _login(site, next_path)
        assert finished.status_code == 303
        assert finished.headers["location"] == lands
    if frontend is None:
        return
    prefix = _frontend_prefix(frontend).rstrip("/")
    absolute = frontend if frontend.startswith("http") else ""
    origin = URL(absolute).origin if absolute else ""
    for next_path, lands in LEGITIMATE:
        finished = _login(site, prefix + next_path)
        assert finished.status_code == 303
        assert finished.headers["location"] == origin + prefix + lands
    # Outside the frontend's path (or no next at all): its default page.
    for next_path in ("/elsewhere", ""):
        finished = _login(site, next_path)
        inside = not prefix and next_path  # a host-style frontend owns every path
        assert finished.headers["location"] == (origin + next_path if inside else frontend), next_path


@pytest.mark.parametrize("frontend", [HOST_STYLE, PATH_STYLE, ON_THIS_SERVER])
def test_a_failed_login_lands_on_the_frontend_whatever_next_said(request: pytest.FixtureRequest, frontend: str) -> None:
    site = _site(request, frontend)
    for payload in OPEN_REDIRECTS[::4]:
        site.naver.deny_next()
        finished = _login(site, payload)
        assert finished.status_code == 303, (payload, finished.text)
        assert finished.headers["location"] == f"{frontend}?login_error=login_denied", payload


def test_the_console_login_link_only_ever_goes_to_the_console(request: pytest.FixtureRequest) -> None:
    site = _site(request, HOST_STYLE)
    links = site.container.login_links()
    for payload in OPEN_REDIRECTS[:20]:
        token = links.issue(now=site.container.clock().now(), ttl=timedelta(minutes=5))
        response = httpx.get(f"{site.base}/ops/login", params={"token": token, "next": payload}, timeout=15)
        assert response.status_code == 303
        assert response.headers["location"] == "/ops"


# --- the judge alone, on many more places than the live tests start ---------------------------------


@pytest.mark.parametrize(
    "place",
    [HOST_STYLE, PATH_STYLE, ON_THIS_SERVER, "/", "/ops", "http://127.0.0.1:8000/app", "https://front.example:8443/"],
)
def test_the_judge_keeps_every_payload_on_its_place(place: str) -> None:
    landing = Landing(place)
    base = URL(place, "http://this-server.invalid")
    for payload in OPEN_REDIRECTS:
        kept = landing.resolve(payload)
        if kept is None:
            continue
        landed = URL(kept, base.href)
        assert landed.origin == base.origin, (payload, kept)
        assert not landed.pathname.startswith("//"), (payload, kept)
        assert landed.pathname.startswith(base.pathname.rstrip("/")), (payload, kept)
        assert landing.resolve(kept) == kept, (payload, kept)  # the normal form is judged the same
        assert not any(ch in kept for ch in "\t\r\n\x00\\ "), (payload, kept)


def test_the_judge_refuses_what_is_not_an_http_place() -> None:
    with pytest.raises(ValueError, match="http"):
        Landing("javascript:alert(1)")
    assert Landing(HOST_STYLE).resolve(None) is None
    assert Landing(HOST_STYLE).resolve("") is None
    assert Landing(HOST_STYLE).resolve("http://[") is None  # does not parse


CHROMIUM_READS = "([targets, base]) => targets.map(t => { try { return new URL(t, base).href } catch { return null } })"


def test_the_judge_reads_every_payload_as_chromium_does(chromium_browser: Any) -> None:
    """The check is only as good as its parser's agreement with a browser: a real Chromium resolves
    every payload against each kind of place, and ada-url must read each one the same."""
    page = chromium_browser.new_page()
    try:
        for place in (HOST_STYLE, PATH_STYLE, f"{THIS_SERVER}/app/"):
            read = page.evaluate(CHROMIUM_READS, [OPEN_REDIRECTS, place])
            for payload, by_chromium in zip(OPEN_REDIRECTS, read, strict=True):
                assert _href(payload, place) == by_chromium, (place, payload)
    finally:
        page.close()


def _href(target: str, base: str) -> str | None:
    try:
        return URL(target, base).href
    except ValueError:
        return None
