"""Fixtures of the apps below that workspace's tests share."""

from sessions.tests.conftest import ready  # noqa: F401  (a fixture: sessions booked and measured)
