import pytest


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (concurrency, database faults) leave the SQLite pass; CI's PostgreSQL
    pass runs them. They are deselected, not skipped, and the header says how many."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    postgres_only = [item for item in items if item.get_closest_marker("postgresql")]
    if postgres_only:
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        print(f"\n{len(postgres_only)} PostgreSQL-only tests left out on SQLite; CI runs them on PostgreSQL.")


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
