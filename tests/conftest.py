import os

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "redis: needs a Redis server at REDIS_URL, which it writes to (CI's PostgreSQL pass starts one)",
    )


# What the header says when a run lacks the server a marker needs.
_SERVERS_NEEDED = {
    "postgresql": "PostgreSQL-only tests left out on SQLite; CI runs them on PostgreSQL.",
    "redis": "Redis tests left out without REDIS_URL; CI runs them in its PostgreSQL pass, with Redis.",
}


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (concurrency, database faults) leave the SQLite pass, and Redis tests
    (RQ workers, a cache shared by processes) leave any run without REDIS_URL; CI's PostgreSQL pass
    runs both. They are deselected, not skipped, and the header says how many."""
    from django.conf import settings

    missing = set()
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        missing.add("postgresql")
    if not os.environ.get("REDIS_URL"):
        missing.add("redis")
    left_out = [item for item in items if any(item.get_closest_marker(marker) for marker in missing)]
    if not left_out:
        return
    config.hook.pytest_deselected(items=left_out)
    items[:] = [item for item in items if not any(item.get_closest_marker(marker) for marker in missing)]
    for marker, message in _SERVERS_NEEDED.items():
        count = sum(1 for item in left_out if item.get_closest_marker(marker))
        if marker in missing and count:
            print(f"\n{count} {message}")


def pytest_report_header(config):
    """Say which database this run uses, so CI logs show SQLite and PostgreSQL runs apart."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    where = f"{database.get('HOST')}:{database.get('PORT')}" if database.get("HOST") else "embedded file"
    return f"database: {engine} ({where})"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real PBKDF2 hasher costs ~0.3 s a user; the tests check who may log in, not the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _uploads_kept_in_a_temporary_directory(settings, tmp_path_factory):
    # An import's upload waits on the server between preview and Import (missionplanner/uploads.py).
    settings.IMPORT_UPLOAD_DIR = str(tmp_path_factory.getbasetemp() / "uploads")


@pytest.fixture(autouse=True)
def _tasks_run_in_the_request(settings):
    # Notices are sent as the task is enqueued; the tests of the worker backends choose their own.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _empty_cache():
    # Built feeds and pages are cached by content stamps; every test starts from nothing.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
