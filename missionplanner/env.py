"""Strict readers for settings that come from the environment.

Each helper fails with ImproperlyConfigured naming the variable and the bad value, so a typo in a
deployment stops the app at start-up instead of silently falling back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_choice(name: str, default: str, choices) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}.")
    return value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
    "rediss": "django.core.cache.backends.redis.RedisCache",
    "memcached": "django.core.cache.backends.memcached.PyMemcacheCache",
    "dummy": "django.core.cache.backends.dummy.DummyCache",
}


def env_cache(name: str, default: str = "locmem://") -> dict:
    """A CACHES entry from a URL: locmem://, redis://host:6379/0, memcached://host:11211, dummy://."""
    raw = os.environ.get(name, default)
    scheme, _, rest = raw.partition("://")
    if scheme not in _CACHE_BACKENDS or not _:
        raise ImproperlyConfigured(
            f"{name} must look like {', '.join(s + '://…' for s in _CACHE_BACKENDS)}; got {raw!r}."
        )
    config = {"BACKEND": _CACHE_BACKENDS[scheme]}
    if scheme.startswith("redis"):
        config["LOCATION"] = raw
    elif scheme == "memcached":
        config["LOCATION"] = rest
    elif scheme == "locmem":
        config["LOCATION"] = rest or "missionplanner"
        config["OPTIONS"] = {"MAX_ENTRIES": 2000}
    return config


_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def env_redis_url(name: str, default: str = "") -> str:
    """A Redis URL (redis://host:6379/0, rediss://… with TLS, unix:///run/redis.sock), or `default`."""
    raw = os.environ.get(name, "").strip() or default
    if raw and not raw.startswith(_REDIS_SCHEMES):
        raise ImproperlyConfigured(
            f"{name} must look like redis://host:6379/0 (or rediss://…, unix://…); got {raw!r}."
        )
    return raw
