"""Median render time of the clinician's busiest pages on the large practice.

A benchmark, not a test: `python manage.py seed_demo --size large` first, then
`python manage.py bench_pages`. It signs in as a large-practice clinician through the test
client (MFA is checked by the middleware as in production: the clinician is given a TOTP
authenticator) and prints the median and 90th percentile of each page over repeated requests.
"""

from __future__ import annotations

import statistics
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from clients.models import User
from portal.demo_large import MARKER


class Command(BaseCommand):
    help = "Time the dashboard, caseload and a client timeline on the large practice."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30)

    def handle(self, *args, **options):
        clinician = User.objects.filter(email=MARKER).first()
        if clinician is None:
            raise CommandError("Run `python manage.py seed_demo --size large` first.")
        if not Authenticator.objects.filter(user=clinician).exists():
            TOTP.activate(clinician, generate_totp_secret())
        profile = clinician.assigned_clients.order_by("pk").first()
        if profile is None:
            raise CommandError(f"{MARKER} has no clients: seed the large practice again.")
        client_user = profile.user
        pages = {"dashboard": reverse("home"),
                 "caseload": reverse("caseload:caseload"),
                 "timeline": reverse("caseload:timeline", args=[client_user.public_id])}
        browser = Client()
        browser.force_login(clinician)
        with override_settings(DEBUG=True, ALLOWED_HOSTS=["testserver"]):
            for name, url in pages.items():
                timings, queries = [], 0
                for _ in range(options["runs"]):
                    reset_queries()
                    started = time.perf_counter()
                    response = browser.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                    queries = len(connection.queries)
                    if response.status_code != 200:
                        raise CommandError(f"{name}: HTTP {response.status_code}")
                timings.sort()
                p90 = timings[int(len(timings) * 0.9) - 1]
                self.stdout.write(f"{name:10} median {statistics.median(timings):7.1f} ms   "
                                  f"p90 {p90:7.1f} ms   {queries} queries   "
                                  f"({options['runs']} runs)")
