"""Strict readers for settings taken from environment variables.

A value that cannot be understood is an error at start-up, never a silent default: a typo in
``DEBUG=flase`` must not leave a production server in debug mode.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def env_str(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(name, default).strip()


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    raw = env_str(name, environ=environ).lower()
    if raw == "":
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of {sorted(_TRUE | _FALSE)}."
    )


def env_int(name: str, default: int, *, environ: Mapping[str, str] | None = None) -> int:
    raw = env_str(name, environ=environ)
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str] | None = None, *,
             environ: Mapping[str, str] | None = None) -> list[str]:
    raw = env_str(name, environ=environ)
    if raw == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str, *,
               environ: Mapping[str, str] | None = None) -> str:
    raw = env_str(name, environ=environ).lower() or default
    if raw not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} must be one of {', '.join(choices)}.")
    return raw
