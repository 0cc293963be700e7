"""The layout around every page: coming-soon pages, allauth's pages, error pages, and the rules
that keep a strict Content-Security-Policy working (no inline scripts, styles or handlers)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from conftest import TEST_PASSWORD

CRISIS_LINE = "Suicide &amp; Crisis Lifeline"


def assert_in_layout(body: str) -> None:
    assert settings.PRACTICE_NAME in body
    assert 'href="tel:988"' in body and CRISIS_LINE in body
    assert "In an emergency, call" in body and 'href="tel:911"' in body
    assert 'href="#main"' in body  # the skip link


class _InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes or elements,
    and event-handler attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        # A JSON data block (allauth's passkey and onload configuration) is never executed.
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        for name in names:
            if name == "style" or name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")


def inline_code_in(body: str) -> list[str]:
    finder = _InlineCodeFinder()
    finder.feed(body)
    return finder.problems


# --- navigation ------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [reverse("booking:appointments"),
                                 reverse("goals:goals"),
                                 reverse("screening:start")])
def test_client_navigation_links_work(client, client_user, url):
    client.force_login(client_user)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{url}"' in home
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [reverse("caseload:caseload"),
                                 reverse("booking:week"),
                                 reverse("screening:risk_flags")])
def test_clinician_navigation_links_work(client, clinician, url):
    client.force_login(clinician)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{url}"' in home
    assert client.get(url).status_code == 200


def test_navigation_marks_the_current_page(client, client_user):
    client.force_login(client_user)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("home")}" aria-current="page"' in body


def test_sign_out_is_a_post_form_with_csrf(client, client_user):
    client.force_login(client_user)
    body = client.get(reverse("home")).content.decode()
    assert f'method="post" action="{reverse("account_logout")}"' in body
    assert "csrfmiddlewaretoken" in body


# --- allauth's pages in the layout ---------------------------------------------------------

def test_login_page_in_layout(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert_in_layout(body)
    assert 'class="panel panel--entrance"' in body
    assert '<label class="field__label" for="id_login">' in body


def test_signup_page_in_layout(client, db):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    body = response.content.decode()
    assert_in_layout(body)
    assert "data-detect-time-zone" in body
    assert '<label class="field__label" for="id_full_name">' in body


def test_signup_errors_sit_next_to_their_fields(client, db):
    response = client.post(reverse("account_signup"), {
        "full_name": "", "email": "not-an-email", "time_zone": "America/Chicago",
        "password1": "short", "password2": "different",
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert_in_layout(body)
    assert '<ul class="field__errors" id="id_full_name_error">' in body
    assert '<ul class="field__errors" id="id_email_error">' in body
    # The input points at its help text and its errors, and says it is invalid.
    assert 'aria-invalid="true"' in body
    assert 'aria-describedby="id_full_name_helptext id_full_name_error"' in body
    # The zone the person picked is kept.
    assert '<option value="America/Chicago" selected>' in body


def test_login_error_is_shown(client, client_user):
    response = client.post(reverse("account_login"),
                           {"login": client_user.email, "password": "wrong password"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="alert alert--error" role="alert"' in body


def test_account_pages_in_layout(client, client_user):
    client.force_login(client_user)
    for name in ("account_email", "account_change_password", "mfa_index"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert_in_layout(body)
        assert 'aria-label="Account settings"' in body


def test_mfa_index_for_staff_in_layout(client, clinician):
    client.force_login(clinician)
    response = client.get(reverse("mfa_index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert_in_layout(body)
    assert "Authenticator App" in body
    assert 'class="panel"' in body


def test_totp_activate_in_layout(client, client_user):
    client.force_login(client_user)
    response = client.get(reverse("mfa_activate_totp"))
    # allauth may first ask to reauthenticate; either way the page is in the layout.
    if response.status_code == 302:
        response = client.get(response["Location"])
    assert response.status_code == 200
    assert_in_layout(response.content.decode())


def test_mfa_step_of_sign_in_in_layout(client, clinician):
    response = client.post(reverse("account_login"),
                           {"login": clinician.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.get(response["Location"])
    assert response.status_code == 200
    body = response.content.decode()
    assert_in_layout(body)
    assert 'for="id_code"' in body
    assert inline_code_in(body) == []


def test_account_pages_mark_their_navigation(client, client_user):
    client.force_login(client_user)
    body = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{reverse("mfa_index")}" aria-current="page"' in body
    assert f'href="{reverse("account_email")}" aria-current="page"' in body  # header: Account


def test_messages_are_shown(client, staff_without_mfa):
    """The staff MFA middleware's warning reaches the page it redirects to."""
    client.force_login(staff_without_mfa[0])
    response = client.get(reverse("home"), follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("mfa_index")
    assert 'class="messages" role="status"' in body
    assert 'class="alert alert--warning"' in body
    assert "Staff accounts need two-factor authentication" in body


# --- error pages ---------------------------------------------------------------------------

def test_404_page_in_layout(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert_in_layout(body)
    assert "Page not found" in body


def test_500_page_renders_without_a_request():
    body = render_to_string("500.html")
    assert_in_layout(body)
    assert "Something went wrong" in body


def test_403_page_renders():
    body = render_to_string("403.html")
    assert_in_layout(body)


# --- Content-Security-Policy ---------------------------------------------------------------

def _pages(client, client_user, clinician, admin_user):
    anonymous = [reverse("home"), reverse("account_login"), reverse("account_signup"),
                 reverse("account_reset_password"), reverse("account_request_login_code")]
    for url in anonymous:
        yield url, client.get(url)
    yield "signup with errors", client.post(reverse("account_signup"), {"email": "x"})
    for user in (client_user, clinician, admin_user):
        client.force_login(user)
        for url in (reverse("home"), reverse("mfa_index"), reverse("account_change_password")):
            yield f"{url} as {user.role}", client.get(url)
        client.logout()


def test_no_inline_scripts_styles_or_handlers(client, client_user, clinician, admin_user):
    # Every page's own tests check it renders; here the layout and the account pages.
    for label, response in _pages(client, client_user, clinician, admin_user):
        assert response.status_code == 200, label
        body = response.content.decode()
        assert inline_code_in(body) == [], label
        assert " style=" not in body, label


def test_pages_send_a_strict_csp(client, db):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
