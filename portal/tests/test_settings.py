"""Settings come from the environment and refuse what they cannot understand or trust."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.lib.env import env_bool, env_choice, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]
NOTES_KEY = "f3HOLQDPB0ZLQpnkn0oDQq4zXwpXn3y0ZdYcl2ivkgs="  # a Fernet key for the test only
GOOD_KEY = "k8#Vw2!pQ9zL@x4rT7mN0bC5yH3jF6gD1sA8eU2iO4kP7nM9qR3tW6vY0zX5cB"


def run_settings(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with exactly these variables."""
    base = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")}
    base["TANDEM_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('loaded')"],
        cwd=ROOT, env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True, text=True, timeout=60,
    )


def manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    base["TANDEM_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", None),
])
def test_env_bool_reads_the_usual_spellings(raw, expected):
    default = object()
    result = env_bool("X", default, environ={"X": raw})
    assert result is (default if expected is None else expected)


@pytest.mark.parametrize("raw", ["maybe", "flase", "2", "enabled"])
def test_env_bool_refuses_anything_else(raw):
    with pytest.raises(ImproperlyConfigured, match="is not a boolean"):
        env_bool("DEBUG", False, environ={"DEBUG": raw})


def test_env_int_list_and_choice():
    assert env_int("N", 3, environ={}) == 3
    assert env_int("N", 3, environ={"N": " 42 "}) == 42
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("N", 3, environ={"N": "4x"})
    assert env_list("H", ["a"], environ={}) == ["a"]
    assert env_list("H", [], environ={"H": "a.example, b.example,"}) == ["a.example", "b.example"]
    assert env_choice("E", ("a", "b"), "a", environ={"E": "B"}) == "b"
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env_choice("E", ("a", "b"), "a", environ={"E": "c"})


def test_development_needs_no_variables(tmp_path):
    result = run_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout
    assert (tmp_path / "celery-broker" / "queue").is_dir()


def test_a_bad_boolean_stops_start_up(tmp_path):
    result = run_settings(tmp_path, DEBUG="flase")
    assert result.returncode != 0
    assert "DEBUG='flase' is not a boolean" in result.stderr


def test_unknown_environment_name_is_refused(tmp_path):
    result = run_settings(tmp_path, DJANGO_ENV="staging")
    assert result.returncode != 0
    assert "DJANGO_ENV='staging' must be one of development, production" in result.stderr


@pytest.mark.parametrize("env, problem", [
    ({}, "SECRET_KEY must be set"),
    ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS must name"),
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example"}, "TANDEM_NOTES_KEY must hold"),
    ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "portal.example"}, "SECRET_KEY must be set"),
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example", "DEBUG": "true"},
     "DEBUG must be off"),
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example", "TANDEM_NOTES_KEY": NOTES_KEY,
      "TANDEM_DEMO_MFA_CODE": "000000"}, "TANDEM_DEMO_MFA_CODE must never be set"),
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "portal.example", "TANDEM_NOTES_KEY": NOTES_KEY,
      "DATABASE_URL": "mysql://x@db/tandem"}, "DATABASE_URL must be a postgres:// URL"),
])
def test_production_refuses_an_unsafe_configuration(tmp_path, env, problem):
    result = run_settings(tmp_path, DJANGO_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert problem in result.stderr


def test_production_with_the_required_variables_passes_check_deploy(tmp_path):
    result = manage(
        tmp_path, "check", "--deploy", "--fail-level", "DEBUG",
        DJANGO_ENV="production", SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="portal.example",
        TANDEM_NOTES_KEY=NOTES_KEY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
