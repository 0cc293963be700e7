"""Response headers on every page (issue 13): ``Cache-Control: no-store`` unless the URL is on
the short allow-list of public pages, and ``Permissions-Policy``. Walks the URL resolver as
each persona, so a page added tomorrow is covered without touching this file."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse

from clients.tests.test_accounts import _sample_paths
from portal.middleware import CACHEABLE_PUBLIC_URL_NAMES, PERMISSIONS_POLICY


def _all_paths() -> list[str]:
    return sorted(set(_sample_paths(get_resolver().url_patterns)))


def _view_name(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:  # a regex route the sampler cannot fill; it still gets a response
        return None


def _paths_for(persona: str) -> list[str]:
    """Every path; the admin's only in full for the admin (everyone else gets the same
    redirect to the admin sign-in from each, so a few of them stand for all)."""
    paths = _all_paths()
    if persona == "admin_user":
        return paths
    admin_paths = [p for p in paths if p.startswith("/admin/")]
    return [p for p in paths if not p.startswith("/admin/")] + admin_paths[:5]


def _assert_private(response, path: str) -> None:
    cache_control = response.get("Cache-Control", "")
    assert "no-store" in cache_control and "private" in cache_control, (path, cache_control)


def test_the_walk_covers_the_pages_with_client_data():
    paths = _all_paths()
    names = {_view_name(path) for path in paths}
    for name in ("goals:goals", "goals:goal", "screening:results", "booking:appointments",
                 "booking:appointment_ics", "booking:feed", "caseload:caseload",
                 "caseload:timeline", "screening:client_history", "account_rights:record",
                 "account_sign_ins"):
        assert name in names, name
    assert len(paths) > 150  # the admin's pages are in the walk too


@pytest.mark.parametrize("persona", ["anonymous", "client_user", "clinician", "admin_user"])
def test_every_url_is_no_store_for_every_persona(client, request, persona):
    """Every URL × persona: whatever the status (200, a redirect to sign in, a 404 for a sample
    id), the response tells browsers and proxies not to keep it. Only the allow-listed public
    pages may be cached, and only for a visitor who is not signed in."""
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    else:
        request.getfixturevalue("db")
    walked = 0
    for path in _paths_for(persona):
        if path.startswith("/accounts/logout") or path.endswith("/logout/"):
            continue  # a GET there may sign the persona out and change the rest of the walk
        response = client.get(path)
        walked += 1
        assert response.status_code != 500, path
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY, path
        if persona == "anonymous" and _view_name(path) in CACHEABLE_PUBLIC_URL_NAMES:
            assert "no-store" not in response.get("Cache-Control", ""), path
        else:
            _assert_private(response, path)
    assert walked > (150 if persona == "admin_user" else 60)


def test_allow_listed_pages_are_private_once_signed_in(client, client_user):
    client.force_login(client_user)
    _assert_private(client.get(reverse("home")), "/")


def test_permissions_policy_keeps_passkeys_and_nothing_else():
    assert "publickey-credentials-get=(self)" in PERMISSIONS_POLICY
    assert "camera=()" in PERMISSIONS_POLICY and "geolocation=()" in PERMISSIONS_POLICY
    assert "microphone=()" in PERMISSIONS_POLICY and "payment=()" in PERMISSIONS_POLICY


def test_static_files_stay_cacheable(client, db):
    response = client.get("/static/css/tandem.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_caseload_search_with_a_nul_byte_is_not_a_500(client, clinician, client_user):
    client.force_login(clinician)
    response = client.get("/clinician/clients/?q=%00")
    assert response.status_code == 200
    response = client.get("/clinician/clients/?q=Al%00ex")
    assert response.status_code == 200
    assert "Alex Morgan" in response.content.decode()  # the search ran on what was left
