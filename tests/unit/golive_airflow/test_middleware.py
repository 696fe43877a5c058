"""The API server's credential-redacting middleware: 4xx bodies lose URL user-info, the rest passes."""

from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from golive_airflow.middleware import RedactCredentialsMiddleware

URL = "https://deploy:tok3n@github.com/acme/shop.git"


def _client() -> TestClient:
    app = FastAPI()

    @app.get("/bad")
    def bad() -> None:
        raise HTTPException(status_code=400, detail=f"Invalid input for param source: {URL!r} does not match")

    @app.get("/ok")
    def ok() -> dict[str, str]:
        return {"url": URL}

    app.add_middleware(RedactCredentialsMiddleware)
    return TestClient(app)


def test_a_4xx_body_loses_the_credentials_and_keeps_its_length_right():
    response = _client().get("/bad")
    assert response.status_code == 400
    assert "tok3n" not in response.text and "https://***@github.com/acme/shop.git" in response.text
    assert int(response.headers["content-length"]) == len(response.content)


def test_other_answers_pass_untouched():
    assert _client().get("/ok").json() == {"url": URL}
