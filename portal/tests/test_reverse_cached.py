"""The header's links are resolved once per process, and still follow the script prefix and
the URLconf they are resolved in."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix

from portal.lib.reverse import reverse_cached


def test_the_same_path_as_reverse_under_any_script_prefix():
    assert reverse_cached("home") == reverse("home") == "/"
    set_script_prefix("/tandem/")
    try:
        assert reverse_cached("home") == reverse("home") == "/tandem/"
        assert reverse_cached("goals:goals") == "/tandem/goals/"
    finally:
        set_script_prefix("/")
    assert reverse_cached("home") == "/"


def test_a_changed_urlconf_is_not_answered_from_the_old_one(settings):
    assert reverse_cached("booking:appointments") == reverse("booking:appointments")
    settings.ROOT_URLCONF = "bench.urls"
    assert reverse_cached("booking:appointments") == reverse("booking:appointments")
