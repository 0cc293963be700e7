"""The portal's own settings, production ones when DJANGO_ENV=production, plus the reference views.

Only `make bench` points DJANGO_SETTINGS_MODULE here. The reference views live in bench/urls.py,
so no deployment of the portal (which uses portal.settings and portal.urls) ever serves them.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
