"""The header's links, resolved once per process."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=512)
def _reverse_cached(urlconf: str, prefix: str, url_name: str, args: tuple) -> str:
    return reverse(url_name, args=args, urlconf=urlconf)


def reverse_cached(url_name: str, args: tuple = ()) -> str:
    """``reverse`` for the links every page's header draws (a dozen per page): the same name,
    URLconf and script prefix always give the same path, so it is resolved once per process.
    Only for arguments that are not personal (the header passes none)."""
    return _reverse_cached(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(),
                           url_name, tuple(args))


def _forget_reversed(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reverse_cached.cache_clear()


setting_changed.connect(_forget_reversed, dispatch_uid="tandem-reverse-cached")
