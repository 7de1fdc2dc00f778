import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_static_files_are_collected_and_served_by_the_app(client, settings, tmp_path):
    # The production path: collectstatic into STATIC_ROOT, WhiteNoise serves from there.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("css/app.css")
    assert url != "/static/css/app.css"  # hashed name, cacheable forever
    response = Client().get(url)
    assert response.status_code == 200
    assert b".bg-mission" in b"".join(response.streaming_content)
