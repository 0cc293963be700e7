"""`make run` shows the portal's own 404 and 500 pages, not Django's debug pages (issue 14),
while DEBUG stays on for allauth's demo MFA code."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import Http404
from django.test import override_settings
from django.urls import path

from portal.urls import urlpatterns as portal_urls


def boom(request):
    raise RuntimeError("broken on purpose")


def missing(request):
    raise Http404("not here")


urlpatterns = [path("test-boom/", boom), path("test-missing/", missing), *portal_urls]
WITH_PAGES = [*settings.MIDDLEWARE, "portal.middleware.PortalErrorPagesMiddleware"]


@pytest.fixture
def debug_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
@override_settings(DEBUG=True, ROOT_URLCONF=__name__)
def test_without_the_setting_debug_shows_djangos_pages(debug_client):
    """The probe: this is what `make run` showed before."""
    body = debug_client.get("/no-such-page/").content.decode()
    assert "Using the URLconf defined in" in body


@pytest.mark.django_db
@override_settings(DEBUG=True, ROOT_URLCONF=__name__, MIDDLEWARE=WITH_PAGES)
@pytest.mark.parametrize("url", ["/no-such-page/", "/test-missing/"])
def test_a_missing_page_is_the_portals_404(debug_client, url):
    response = debug_client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert "There is no page at this address" in body
    assert "Using the URLconf" not in body and "Django" not in body


@pytest.mark.django_db
@override_settings(DEBUG=True, ROOT_URLCONF=__name__, MIDDLEWARE=WITH_PAGES)
def test_an_error_is_the_portals_500_and_logged(debug_client, caplog):
    response = debug_client.get("/test-boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Traceback" not in body and "broken on purpose" not in body
    assert "<h1" in body
    assert "broken on purpose" in caplog.text


@pytest.mark.django_db
@override_settings(DEBUG=True, ROOT_URLCONF=__name__, MIDDLEWARE=WITH_PAGES)
def test_real_pages_and_static_files_still_serve(debug_client):
    assert debug_client.get("/").status_code == 200
    assert debug_client.get("/static/css/tandem.css").status_code in (200, 304)


def test_make_run_sets_it_and_the_setting_needs_debug(tmp_path):
    from portal.tests.test_settings import run_settings

    makefile = (settings.BASE_DIR / "Makefile").read_text()
    assert "TANDEM_PORTAL_ERROR_PAGES=1" in makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "loaded" in run_settings(tmp_path, TANDEM_PORTAL_ERROR_PAGES="1").stdout
