"""Tandem settings: one module, read from environment variables.

With no variables at all it runs for development: an SQLite file, Celery over a folder, email to
the console. ``DATABASE_URL`` selects PostgreSQL, ``REDIS_URL`` selects Redis as broker and cache,
and ``DJANGO_ENV=production`` turns on every deployment safeguard and refuses to start without a
secret key and allowed hosts. The README lists every variable.

https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.lib.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything the running portal writes (SQLite file, Celery's folder broker, beat schedule, mail
# written to files) lives here, and git ignores it.
VAR_DIR = Path(env_str("TANDEM_VAR_DIR") or BASE_DIR / "var")

DJANGO_ENV = env_choice("DJANGO_ENV", ("development", "production"), "development")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

if PRODUCTION:
    _problems = []
    if DEBUG:
        _problems.append("DEBUG must be off")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        _problems.append("SECRET_KEY must be set to a random value of 50 characters or more")
    if not env_str("ALLOWED_HOSTS"):
        _problems.append("ALLOWED_HOSTS must name the portal's host names")
    if not env_str("TANDEM_NOTES_KEY"):
        _problems.append("TANDEM_NOTES_KEY must hold a Fernet key for clinician notes")
    if _problems:
        raise ImproperlyConfigured(
            "Refusing to start with DJANGO_ENV=production: " + "; ".join(_problems) + "."
        )
elif not SECRET_KEY:
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"

# Clinician notes are encrypted at rest with Fernet: https://cryptography.io/en/latest/fernet/
# TANDEM_NOTES_KEY is one key (Fernet.generate_key()) or several, comma-separated, to rotate
# (the first encrypts). Development derives a stable key from SECRET_KEY; production requires it.
CLINICIAN_NOTES_KEY = env_str("TANDEM_NOTES_KEY") or base64.urlsafe_b64encode(
    hashlib.sha256(b"tandem-clinician-notes:" + SECRET_KEY.encode()).digest()).decode()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal",
    "clients",
    "screening",
    "sessions.apps.BookingConfig",
    "goals",
    "notifications",
    "documents",
    "messaging",
    # Composes the apps above (dashboard, caseload, timeline, record export): last, so its
    # admin module extends the clients admin it imports.
    "workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files stay cacheable), before everything that renders a page.
    "portal.middleware.PrivacyHeadersMiddleware",
    "portal.middleware.QueryStringNulMiddleware",
    "csp.middleware.CSPMiddleware",
    # Django's, telling the authentication backends the request's session (which holds its
    # user row: clients/session_store.py).
    "clients.session_store.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clients.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clients.middleware.StaffMFARequiredMiddleware",
    "clients.middleware.UserTimeZoneMiddleware",
    "screening.middleware.SafetyPendingMiddleware",
    "clients.admin_access.AdminAccessLogMiddleware",
]
# `make run` keeps DEBUG on (allauth's demo MFA code needs it) but shows the portal's own 404
# and 500 pages, not Django's debug pages (portal.middleware.PortalErrorPagesMiddleware).
PORTAL_ERROR_PAGES = DEBUG and env_bool("TANDEM_PORTAL_ERROR_PAGES", default=False)
if PORTAL_ERROR_PAGES:
    MIDDLEWARE.append("portal.middleware.PortalErrorPagesMiddleware")

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "messaging.unread.unread_context",
            ],
        },
    },
]

# Form widgets are rendered with Jinja2 where Django ships its templates for it: the same markup,
# and a page of radio buttons and inputs renders in a fraction of the time (issue 15); the
# admin's widgets stay Django templates (portal/lib/forms.py).
# https://docs.djangoproject.com/en/5.2/ref/forms/renderers/#jinja2
FORM_RENDERER = "portal.lib.forms.WidgetRenderer"

# --- Database -------------------------------------------------------------------------------
# https://github.com/jazzband/dj-database-url
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60,
                                                  conn_health_checks=True)}
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL.")
    # Django's backend, with a health check that asks the socket before sending SELECT 1.
    DATABASES["default"]["ENGINE"] = "portal.postgres"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # IMMEDIATE takes the write lock when a transaction starts, so two writers queue up
            # instead of failing half-way ("database is locked").
            # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
USING_POSTGRES = bool(DATABASE_URL)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Redis going away must not take sign-in with it (allauth's rate limits count in this
    # cache): the fail-safe backend answers from a per-process memory cache while Redis is
    # unreachable, so limits still hold (per process) and every page keeps working.
    # https://docs.djangoproject.com/en/5.2/topics/cache/#redis
    CACHES = {
        "default": {
            "BACKEND": "portal.lib.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            # Several deployments (or test runs) may share one Redis database.
            "KEY_PREFIX": env_str("TANDEM_CACHE_PREFIX") or "tandem",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_VISIBILITY_TIMEOUT = 3600  # seconds; every retry countdown stays below it
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
else:
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_URL = "filesystem://localhost//"  # the host is unused; naming it stops a warning
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # The folder is polled; a fifth of a second keeps a new email from waiting.
        "polling_interval": 0.2,
    }
    # The folder transport expects its folders to exist; development needs no set-up step.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
# A task that hangs is stopped: the soft limit raises inside the task, the hard one kills it.
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Acknowledge after the task ran, so a worker that dies mid-task hands the message back. The
# outbox row's conditional claim makes the redelivery harmless (see notifications.services).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A page that hands a message to a broker that is down waits a few seconds at most, then the
# row waits for the sweep (notifications.services.notifications_enqueue_on_commit).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0,
                                    "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_DEFAULT_QUEUE = env_str("TANDEM_CELERY_QUEUE") or "tandem"
# Plain intervals in seconds, not crontabs: beat's interval does not move with local time. No
# "expires": a late or doubled sweep is harmless, and an expiry shorter than a worker's clock
# skew would make that worker discard every sweep. The sweep runs often enough for a lost risk
# alert to be handed over again within a minute (URGENT_REENQUEUE_AFTER + this interval).
OUTBOX_SWEEP_INTERVAL = env_int("TANDEM_SWEEP_INTERVAL_SECONDS", 20)
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep-due": {
        "task": "notifications.tasks.sweep_due",
        "schedule": float(OUTBOX_SWEEP_INTERVAL),
    },
    # The safety net of check-in reminders (constant in queries): goals whose reminder went
    # out get the next one. Every change to a goal plans its reminder at once.
    "goals-plan-check-in-reminders": {
        "task": "goals.tasks.plan_check_in_reminders",
        "schedule": 5 * 60.0,
    },
}
# /healthz reports the sweep as stale when it has not finished for this long.
OUTBOX_SWEEP_STALE_AFTER = max(3 * OUTBOX_SWEEP_INTERVAL, 180)
# The outbox decides "due" by the database's clock (notifications.clock); the in-process tests
# set "process" because time_machine cannot move PostgreSQL's clock.
OUTBOX_CLOCK = "database"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "clients.User"
# Django's and allauth's backends, reading the user of a signed-in request through a query
# compiled once (clients/auth_backends.py, issue 15).
AUTHENTICATION_BACKENDS = [
    "clients.auth_backends.ModelBackend",
    "clients.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_ADAPTER = "clients.adapter.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "clients.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# "Email me a sign-in code" next to the password form.
# https://docs.allauth.org/en/latest/account/configuration.html#login-by-code
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Adding, removing or making primary an email address asks for the password (or a two-factor
# code) again unless the person proved it in the last REAUTHENTICATION_TIMEOUT seconds; a stolen
# session must not become a stolen account. Changing the password asks for the current one;
# allauth.mfa asks again before turning two-factor off (MFA_REAUTHENTICATION_REQUIRED, on by
# default); downloading the record asks again (clients.account_views.record_download).
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's rate limits are on by default (login failures, signups, password resets, codes);
# they count in the cache, so production needs the shared Redis cache, not per-process memory.
# https://docs.allauth.org/en/latest/account/rate_limits.html
# An empty dict is allauth's defaults; False would switch them off.
ACCOUNT_RATE_LIMITS: dict[str, str] = {}
# Behind a TLS proxy the client's address is in X-Forwarded-For. Set this to the number of
# proxies you control (1 for one nginx/load balancer); 0 ignores the header, which anyone can
# forge, so rate limits and the access log would otherwise see the proxy's address or a lie.
# https://docs.allauth.org/en/latest/common/configuration.html
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# allauth.mfa: https://docs.allauth.org/en/latest/mfa/configuration.html
# Staff must use two-factor (rule 8); clients may, and the practice can require it for every
# client with TANDEM_REQUIRE_CLIENT_MFA (clients.middleware.StaffMFARequiredMiddleware).
CLIENT_MFA_REQUIRED = env_bool("TANDEM_REQUIRE_CLIENT_MFA", default=False)
MFA_REAUTHENTICATION_REQUIRED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("TANDEM_PRACTICE_NAME") or "Tandem"
# WebAuthn needs https except on localhost during development.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG and not PRODUCTION
# `make run` sets TANDEM_DEMO_MFA_CODE so the demo staff accounts can sign in with a fixed code;
# allauth itself refuses it unless DEBUG is on.
_demo_mfa_code = env_str("TANDEM_DEMO_MFA_CODE")
if _demo_mfa_code:
    if PRODUCTION:
        raise ImproperlyConfigured("TANDEM_DEMO_MFA_CODE must never be set in production.")
    MFA_TOTP_INSECURE_BYPASS_CODE = _demo_mfa_code

# --- Email ----------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/email/#email-backends
if env_str("EMAIL_HOST"):
    # Django's SMTP backend, step by step, so the outbox knows whether a failure came before
    # or after the message was handed over (notifications/smtp.py).
    EMAIL_BACKEND = "notifications.smtp.EmailBackend"
    EMAIL_HOST = env_str("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
PRACTICE_NAME = env_str("TANDEM_PRACTICE_NAME") or "Tandem Practice"
PRACTICE_EMAIL_ADDRESS = env_str("TANDEM_FROM_ADDRESS") or "no-reply@tandem.example"
DEFAULT_FROM_EMAIL = f"{PRACTICE_NAME} <{PRACTICE_EMAIL_ADDRESS}>"
# The sender name used for clients who chose discreet mode (rule 7 of DESIGN.md).
DISCREET_FROM_NAME = env_str("TANDEM_DISCREET_FROM_NAME") or "Appointments"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# How clients reach the practice: every page that sends them to "contact the practice" shows
# these (templates/includes/practice_contact.html, the footer, the error pages).
PRACTICE_PHONE = env_str("TANDEM_PRACTICE_PHONE") or "(555) 010-2026"
PRACTICE_CONTACT_EMAIL = env_str("TANDEM_PRACTICE_CONTACT_EMAIL") or "hello@tandem.example"
PRACTICE_ADDRESS = (env_str("TANDEM_PRACTICE_ADDRESS")
                    or "120 Hudson Street, Suite 4, New York, NY 10013")
# The practice's hours for the phone, in words (shown beside the number).
PRACTICE_PHONE_HOURS = env_str("TANDEM_PRACTICE_PHONE_HOURS") or "weekdays 9 am to 5 pm Eastern"
# Absolute links in emails ("sign in here") are built from this.
SITE_URL = (env_str("TANDEM_SITE_URL") or "http://127.0.0.1:8000").rstrip("/")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# The zone a new account starts in until the person picks their own.
PRACTICE_TIME_ZONE = env_str("TANDEM_PRACTICE_TIME_ZONE") or "America/New_York"

# --- Static files ---------------------------------------------------------------------------
# https://whitenoise.readthedocs.io/en/stable/django.html
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
if not PRODUCTION:
    # Development and tests serve from the app folders (WhiteNoise finds them); the folder only
    # has to exist. Production fills it with `collectstatic`.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    WHITENOISE_USE_FINDERS = True
# Shared documents (issue 16) live in their own storage, outside the web root: nothing serves
# the folder; documents.views.download checks access, logs it and streams the file. With a
# bucket set, any S3-compatible store through django-storages:
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
DOCUMENTS_S3_BUCKET = env_str("TANDEM_DOCUMENTS_S3_BUCKET")
if DOCUMENTS_S3_BUCKET:
    _documents_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": DOCUMENTS_S3_BUCKET,
        "endpoint_url": env_str("TANDEM_DOCUMENTS_S3_ENDPOINT_URL") or None,
        "region_name": env_str("TANDEM_DOCUMENTS_S3_REGION") or None,
        "access_key": env_str("TANDEM_DOCUMENTS_S3_ACCESS_KEY") or None,
        "secret_key": env_str("TANDEM_DOCUMENTS_S3_SECRET_KEY") or None,
        # Private objects, no public URLs, never overwritten (names are random anyway).
        "default_acl": "private", "querystring_auth": True, "file_overwrite": False,
    }}
else:
    _documents_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                          "OPTIONS": {"location": str(env_str("TANDEM_DOCUMENTS_DIR")
                                                      or VAR_DIR / "documents"),
                                      "base_url": None,
                                      "file_permissions_mode": 0o600,
                                      "directory_permissions_mode": 0o700}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": _documents_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------
# Content-Security-Policy with django-csp: no inline scripts or styles anywhere.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Database sessions read with their user in one query compiled once (clients/session_store.py,
# issue 15).
SESSION_ENGINE = "clients.session_store"
SESSION_COOKIE_HTTPONLY = True
# Sessions end after a quiet spell (HIPAA §164.312(a)(2)(iii), automatic logoff) and in any case
# this many hours after sign-in (clients.middleware.SessionPolicyMiddleware). The last-seen time
# is saved at most once a minute, so the idle timeout is exact to the minute.
SESSION_IDLE_MINUTES_CLIENT = env_int("TANDEM_IDLE_MINUTES_CLIENT", 30)
SESSION_IDLE_MINUTES_STAFF = env_int("TANDEM_IDLE_MINUTES_STAFF", 15)
SESSION_MAX_HOURS = env_int("TANDEM_SESSION_MAX_HOURS", 12)
SESSION_ACTIVITY_RESOLUTION_SECONDS = 60
SESSION_COOKIE_AGE = 60 * 60 * SESSION_MAX_HOURS
# What a timed-out session hands to the person's next sign-in: the screening wizard's draft
# (screening.views.DRAFT_KEY), kept for a day at most.
SESSION_KEYS_KEPT_ON_TIMEOUT = ["screening_draft"]
SESSION_KEPT_DRAFT_SECONDS = 60 * 60 * 24
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS",
                                    [f"https://{host}" for host in ALLOWED_HOSTS])

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Tandem ---------------------------------------------------------------------------------
# Booking: free times start on this grid (minutes), and a freed slot is offered to the waitlist
# one person at a time, this many minutes apart, earliest to join first.
BOOKING_SLOT_GRID_MINUTES = env_int("TANDEM_SLOT_GRID_MINUTES", 15)
WAITLIST_OFFER_STAGGER_MINUTES = env_int("TANDEM_WAITLIST_STAGGER_MINUTES", 15)
# How many times the outbox tries one message before it is marked failed.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("TANDEM_NOTIFICATIONS_MAX_ATTEMPTS", 5)
# The wait before the first retry of a temporary SMTP failure (doubling each time after).
NOTIFICATIONS_FIRST_RETRY_SECONDS = env_int("TANDEM_NOTIFICATIONS_FIRST_RETRY_SECONDS", 60)
# How long a closed client's health record is kept (shown on /account/close/). Closing an
# account deactivates it; nothing is deleted (see clients.services.account_close).
RECORD_RETENTION_YEARS = env_int("TANDEM_RECORD_RETENTION_YEARS", 7)
# Messages (issue 16): the response time shown wherever people write, and at most one email
# per thread and recipient in this many minutes.
MESSAGING_RESPONSE_TIME = (env_str("TANDEM_MESSAGE_RESPONSE_TIME")
                           or "within two working days")
MESSAGING_EMAIL_INTERVAL_MINUTES = env_int("TANDEM_MESSAGE_EMAIL_INTERVAL_MINUTES", 60)
# Shared documents: the largest file accepted, in megabytes.
DOCUMENTS_MAX_MB = env_int("TANDEM_DOCUMENT_MAX_MB", 10)
