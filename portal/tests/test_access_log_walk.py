"""The access log by construction (issue 12, rule 8), generated: every page of the resolver and
every admin page of every registered model, opened by staff who may open it. Whichever of the
practice's clients the page shows (by name or email) must have an access-log row written by that
request. A new staff page that shows client data and does not log fails here."""

from __future__ import annotations

import pytest
import time_machine

from clients.models import AccessLog
from portal.tests.world import NOW, admin_urls, routes, url_for, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client_user, stranger, clinician, other_clinician):
    return world_build(owner=client_user, stranger=stranger, clinician=clinician)


def shown(html: str, people) -> set[int]:
    return {person.pk for person in people
            if person.full_name in html or person.email in html}


def unlogged(client, viewer, urls, people) -> dict[str, set[str]]:
    missing: dict[str, set[str]] = {}
    for name, url in urls:
        before = set(AccessLog.objects.values_list("pk", flat=True))
        response = client.get(url)
        if response.status_code != 200 or not any(
                kind in response.get("Content-Type", "") for kind in ("html", "json")):
            continue
        visible = shown(response.content.decode(), people)
        logged = set(AccessLog.objects.exclude(pk__in=before).filter(by=viewer)
                     .values_list("client_id", flat=True))
        if visible - logged:
            missing[name] = {p.full_name for p in people if p.pk in visible - logged}
    return missing


def test_every_clinician_page_that_shows_a_client_logs_it(client, clinician, world):
    with time_machine.travel(NOW, tick=False):
        client.force_login(clinician)
        urls = [(route.name, url_for(world, route)) for route in routes()]
        missing = unlogged(client, clinician, urls, world.clients())
        assert missing == {}, sorted(missing)


def test_every_admin_page_that_shows_a_client_logs_it(client, admin_user, world):
    with time_machine.travel(NOW, tick=False):
        client.force_login(admin_user)
        urls = [*admin_urls(world).items(),
                *[(route.name, url_for(world, route)) for route in routes()]]
        missing = unlogged(client, admin_user, urls, world.clients())
        assert missing == {}, sorted(missing)


def test_list_pages_log_one_row_per_client_in_one_insert(client, admin_user, clinician, world):
    with time_machine.travel(NOW, tick=False):
        client.force_login(admin_user)
        url = admin_urls(world)["admin:clients_clientprofile_autocomplete_user"]
        response = client.get(url)
        assert "Alex Morgan" in response.content.decode()
        assert AccessLog.objects.filter(by=admin_user, client=world.owner, what="list",
                                        detail="admin autocomplete").count() == 1
        client.force_login(clinician)
        before = AccessLog.objects.count()
        client.get("/clinician/clients/")
        # The caseload's page of clients: one row each (the stranger is not Dana's).
        assert AccessLog.objects.count() == before + 1
        row = AccessLog.objects.first()
        assert (row.by, row.client, row.what, row.detail) == (clinician, world.owner, "list",
                                                              "caseload")
