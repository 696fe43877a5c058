import secrets

import pytest

from flaskr import create_app


def test_config(monkeypatch, tmp_path):
    """Test create_app without passing test config."""
    monkeypatch.setenv("FLASKR_SECRET_KEY", secrets.token_hex(16))
    monkeypatch.setenv("FLASKR_DATABASE", str(tmp_path / "flaskr.sqlite"))
    assert not create_app().testing
    assert (tmp_path / "flaskr.sqlite").exists()
    assert create_app({"TESTING": True}).testing


def test_secret_key_is_required(monkeypatch):
    monkeypatch.delenv("FLASKR_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="FLASKR_SECRET_KEY"):
        create_app()


def test_hello(client):
    response = client.get("/hello")
    assert response.data == b"Hello, World!"
