"""Settings are read from the environment; bad or missing values stop the app with a clear message."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from missionplanner.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = _manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="missions.example.org",
        SITE_URL="https://missions.example.org",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_a_misspelt_boolean_stops_start_up_with_its_name():
    result = _manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_env_helpers_read_values_and_reject_bad_ones(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    monkeypatch.setenv("COUNT", "12")
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
    assert env_bool("FLAG", False) is True
    assert env_int("COUNT", 0) == 12
    assert env_list("HOSTS", []) == ["a.example", "b.example"]
    assert env_bool("UNSET_FLAG", True) is True
    monkeypatch.setenv("COUNT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="COUNT must be a whole number"):
        env_int("COUNT", 0)


def test_time_zone_support_is_on(settings):
    assert settings.USE_TZ is True


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache", "missionplanner"),
        ("redis://cache:6379/1", "django.core.cache.backends.redis.RedisCache", "redis://cache:6379/1"),
        ("memcached://cache:11211", "django.core.cache.backends.memcached.PyMemcacheCache", "cache:11211"),
    ],
)
def test_cache_url_picks_the_backend(monkeypatch, url, backend, location):
    from missionplanner.env import env_cache

    monkeypatch.setenv("CACHE_URL", url)
    config = env_cache("CACHE_URL")
    assert (config["BACKEND"], config["LOCATION"]) == (backend, location)


def test_a_bad_cache_url_stops_start_up(monkeypatch):
    from missionplanner.env import env_cache

    monkeypatch.setenv("CACHE_URL", "mongodb://nope")
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL must look like"):
        env_cache("CACHE_URL")
