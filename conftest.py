"""Factories and personas shared by every app's tests.

Personas (STYLE.md): ``client_user`` and ``clinician`` (assigned to each other), ``stranger``
(another clinician's client), ``other_clinician`` (assigned to nobody here) and ``admin_user``.
Staff personas have TOTP set up, because without it they reach nothing (rule 8).

Tests that need PostgreSQL or Redis carry ``needs_postgres`` / ``needs_redis``. Without the
service they are skipped with the reason printed in the summary, unless
``TANDEM_REQUIRE_SERVICES=1`` (CI), where a missing service fails them instead.
"""

from __future__ import annotations

import uuid

import factory
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings

from clients.models import ClientProfile, ClinicianProfile, Role, ServiceLines, User
from clients.services import user_account_create
from portal.lib.env import env_bool

# The outbox's fixtures (a real Celery worker, an SMTP sink, ...) serve every app's tests.
pytest_plugins = ["notifications.tests.fixtures"]

TEST_PASSWORD = "correct horse battery staple"
REQUIRE_SERVICES = env_bool("TANDEM_REQUIRE_SERVICES", default=False)


def pytest_report_header(config):
    db = "PostgreSQL" if settings.USING_POSTGRES else "SQLite"
    broker = "Redis" if settings.REDIS_URL else "folder broker (no Redis)"
    return (f"tandem: database {db}, broker {broker}, "
            f"TANDEM_REQUIRE_SERVICES={'1' if REQUIRE_SERVICES else '0'}")


def _missing_services(item) -> str:
    missing = []
    if item.get_closest_marker("needs_postgres") and not settings.USING_POSTGRES:
        missing.append("PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("needs_redis") and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL)")
    return " and ".join(missing)


def pytest_collection_modifyitems(config, items):
    # Skipped at collection, so the summary names each skipped test with its reason.
    for item in items:
        missing = _missing_services(item)
        if missing and not REQUIRE_SERVICES:
            item.add_marker(pytest.mark.skip(reason=f"needs {missing}"))


def pytest_runtest_setup(item):
    missing = _missing_services(item)
    if missing and REQUIRE_SERVICES:
        pytest.fail(f"TANDEM_REQUIRE_SERVICES=1 but this test needs {missing}", pytrace=False)


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """A cache namespace per test for every alias: allauth's rate-limit counters and cached
    sessions never leak between tests or between parallel workers sharing one Redis."""
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {alias: {**cache, "KEY_PREFIX": f"{prefix}-{alias}"}
                       for alias, cache in settings.CACHES.items()}


@pytest.fixture(autouse=True)
def _documents_in_tmp(settings, tmp_path):
    """Shared documents (issue 16) of each test in its own folder, on the local backend (Django
    resets the storages when STORAGES changes)."""
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None}}}


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Real hashing costs ~0.3 s a password; tests hash hundreds. Not a production setting.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # time_machine moves Python's clock, not PostgreSQL's: in-process tests read the outbox's
    # time from Python. Processes the tests start (workers, sweeps) read the database's clock,
    # as production does (notifications.clock).
    settings.OUTBOX_CLOCK = "process"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    role = Role.CLIENT
    time_zone = "America/New_York"
    # The suite's people read the 24-hour clock, as its assertions are written ("09:00");
    # portal/tests/test_clock.py covers the default, the time zone's own clock.
    clock = "24"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        password = kwargs.pop("password", TEST_PASSWORD)
        user = model_class(*args, **kwargs)
        user.set_password(password)
        user_account_create(user=user)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user


def client_factory(*, clinician: User | None = None,
                   service_lines: str = ServiceLines.THERAPY, **kwargs) -> User:
    user = UserFactory(role=Role.CLIENT, **kwargs)
    ClientProfile.objects.filter(user=user).update(clinician=clinician,
                                                   service_lines=service_lines)
    user.client_profile.refresh_from_db()
    return user


def mfa_enable(user: User) -> str:
    """Give a user a TOTP authenticator; returns the secret, to compute codes in tests."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def make_client(db):
    return client_factory


@pytest.fixture
def make_user(db):
    return UserFactory


@pytest.fixture
def clinician(db) -> User:
    user = UserFactory(role=Role.CLINICIAN, email="clinician@example.com",
                       full_name="Dana Reyes", time_zone="America/Chicago")
    mfa_enable(user)
    return user


@pytest.fixture
def dana(clinician) -> User:
    """The clinician persona with bookable hours: she keeps them in New York, Monday to Friday,
    9:00 to 17:00 (for the booking tests of every app)."""
    from sessions.tests.conftest import weekdays_nine_to_five

    ClinicianProfile.objects.filter(user=clinician).update(time_zone="America/New_York")
    clinician.clinician_profile.refresh_from_db()
    weekdays_nine_to_five(clinician)
    return clinician


@pytest.fixture
def other_clinician(db) -> User:
    user = UserFactory(role=Role.CLINICIAN, email="other.clinician@example.com",
                       full_name="Sam Okafor")
    mfa_enable(user)
    return user


@pytest.fixture
def client_user(db, clinician) -> User:
    return client_factory(clinician=clinician, email="client@example.com",
                          full_name="Alex Morgan", service_lines=ServiceLines.BOTH)


@pytest.fixture
def stranger(db, other_clinician) -> User:
    return client_factory(clinician=other_clinician, email="stranger@example.com",
                          full_name="Jordan Blake", service_lines=ServiceLines.COACHING)


@pytest.fixture
def admin_user(db) -> User:
    user = UserFactory(role=Role.ADMIN, email="admin@example.com", full_name="Pat Admin",
                       is_superuser=True)
    mfa_enable(user)
    return user


@pytest.fixture
def admin_client(client, admin_user):
    """The test client signed in as the practice admin (pytest-django's own would be a second
    client; tests here mix it with ``client``)."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_without_mfa(db):
    """A clinician and an admin who have not set up MFA yet."""
    return [
        UserFactory(role=Role.CLINICIAN, email="new.clinician@example.com"),
        UserFactory(role=Role.ADMIN, email="new.admin@example.com", is_superuser=True),
    ]


def reauthenticated(client) -> None:
    """Mark the test client's session as having just given the password again, as allauth's
    reauthentication page does (client.force_login records no authentication)."""
    import time

    from allauth.account.internal.flows import login as login_flow

    session = client.session
    records = session.get(login_flow.AUTHENTICATION_METHODS_SESSION_KEY, [])
    records.append({"method": "password", "at": time.time(), "reauthenticated": True})
    session[login_flow.AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[login_flow._AUTHENTICATION_METHODS_USER_SESSION_KEY] = session["_auth_user_id"]
    session.save()


def _hypothesis_profiles() -> None:
    """Fuzz tests (issue 13) run few, repeatable examples in ``make test`` and many, random
    ones under ``make fuzz`` (TANDEM_FUZZ_EXAMPLES). No example database is written."""
    import os

    from hypothesis import HealthCheck
    from hypothesis import settings as hypothesis_settings

    examples = int(os.environ.get("TANDEM_FUZZ_EXAMPLES") or 0)
    hypothesis_settings.register_profile(
        "tandem", max_examples=examples or 10, deadline=None, database=None,
        derandomize=not examples, print_blob=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large])
    hypothesis_settings.load_profile("tandem")


_hypothesis_profiles()
