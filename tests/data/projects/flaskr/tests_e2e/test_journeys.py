"""Black-box journeys against a running flaskr at ``APP_URL``: sign up, log in,
write, edit and delete a post, as a browser would (form posts, a session cookie)."""

import http.cookiejar
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest


@pytest.fixture
def base_url():
    url = os.environ.get("APP_URL")
    if not url:
        pytest.fail("APP_URL is not set: the E2E suite needs a running flaskr")
    return url.rstrip("/")


class Browser:
    """Form posts with a cookie jar; redirects are followed, errors returned."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path, form=None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base_url + path, data=data, timeout=10) as r:
                return r.status, urllib.parse.urlsplit(r.geturl()).path, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, path, exc.read().decode()


@pytest.fixture
def user(base_url):
    browser = Browser(base_url)
    name = f"e2e-{secrets.token_hex(4)}"
    password = "E2e-journey-" + secrets.token_hex(4)
    status, landed, _ = browser.request(
        "/auth/register", {"username": name, "password": password}
    )
    assert (status, landed) == (200, "/auth/login")
    status, landed, page = browser.request(
        "/auth/login", {"username": name, "password": password}
    )
    assert (status, landed) == (200, "/") and name in page
    return browser


def test_a_weak_password_is_refused(base_url):
    status, _, page = Browser(base_url).request(
        "/auth/register", {"username": f"e2e-{secrets.token_hex(4)}", "password": "password"}
    )
    assert status == 400 and "at least 12 characters" in page


def test_a_post_is_written_edited_and_deleted(user):
    title = f"golive e2e {secrets.token_hex(4)}"
    status, landed, page = user.request("/create", {"title": title, "body": "first"})
    assert (status, landed) == (200, "/") and title in page
    # the index links each post of its author to /<id>/update after its title
    link = page[page.index(title):].split('href="', 1)[1].split('"', 1)[0]
    assert link.endswith("/update"), link
    status, _, page = user.request(link, {"title": title + " edited", "body": "second"})
    assert status == 200 and title + " edited" in page
    status, _, page = user.request(link.replace("/update", "/delete"), {})
    assert status == 200 and title not in page


def test_anonymous_visitors_cannot_write(base_url):
    status, landed, _ = Browser(base_url).request("/create", {"title": "x", "body": "y"})
    assert (status, landed) == (200, "/auth/login")
