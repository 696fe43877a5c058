"""localkube's API is closed: a bearer token per state directory, JSON-only writes (localkube.auth)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import config as kube_config

from localkube import LocalKube
from localkube.auth import authenticate, load_or_create_token
from localkube.errors import ApiError

pytestmark = pytest.mark.localkube


def raw(kube: LocalKube, method: str, path: str, body: bytes | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(kube.url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return response.status, json.loads(text) if text.startswith(b"{") else text.decode()
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def pod_json(name: str) -> bytes:
    return json.dumps({"metadata": {"name": name}, "spec": {"restartPolicy": "Never", "containers": [
        {"name": "c", "image": "python:3.11", "command": ["python", "-c", "print('ran')"]}]}}).encode()


def test_the_token_is_per_state_dir_secret_and_stable(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    token = load_or_create_token(state)
    assert len(token) >= 40 and oct((state / "token").stat().st_mode & 0o777) == "0o600"
    assert load_or_create_token(state) == token
    assert load_or_create_token(tmp_path) != token


def test_authenticate_compares_the_whole_bearer_token() -> None:
    authenticate("/api", "Bearer s3cret", "s3cret")
    authenticate("/healthz", None, "s3cret")
    for header in (None, "", "Bearer", "Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret"):
        with pytest.raises(ApiError) as refused:
            authenticate("/api", header, "s3cret")
        assert refused.value.code == 401 and refused.value.reason == "Unauthorized"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/namespaces/default/pods"),
    ("GET", "/api/v1/secrets"),
    ("GET", "/api/v1/namespaces/default/secrets"),
    ("GET", "/version"),
    ("GET", "/api"),
    ("GET", "/apis"),
    ("GET", "/api/v1/namespaces/default/pods/any/exec?command=id&stdout=true"),
    ("GET", "/api/v1/no/such/route"),
])
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "Basic YWRtaW46YWRtaW4="])
def test_requests_without_the_token_get_401_status(localkube: LocalKube, method: str, path: str,
                                                   authorization: str | None) -> None:
    name = f"intruder-{uuid.uuid4().hex[:6]}"
    headers = {"Content-Type": "text/plain"}  # what a cross-origin browser form may send
    if authorization:
        headers["Authorization"] = authorization
    if path.endswith("/exec?command=id&stdout=true"):
        headers.update({"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Protocol": "v4.channel.k8s.io"})
    code, body = raw(localkube, method, path, pod_json(name) if method == "POST" else None, headers)
    assert code == 401
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": "Unauthorized: localkube needs the bearer token of its kubeconfig",
                    "reason": "Unauthorized", "code": 401}
    assert localkube.pod(name) is None


def test_health_probes_stay_open(localkube: LocalKube) -> None:
    for probe in ("/healthz", "/livez", "/readyz"):
        assert raw(localkube, "GET", probe) == (200, "ok")


def test_writes_must_be_json(localkube: LocalKube) -> None:
    auth = {"Authorization": f"Bearer {localkube.token}"}
    name = f"plain-{uuid.uuid4().hex[:6]}"
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                         "application/apply-patch+yaml"):
        code, body = raw(localkube, "POST", "/api/v1/namespaces/default/pods", pod_json(name),
                         {**auth, "Content-Type": content_type})
        assert code == 415 and body["reason"] == "UnsupportedMediaType" and content_type in body["message"]
    code, _ = raw(localkube, "POST", "/api/v1/namespaces/default/pods", pod_json(name), auth)  # no Content-Type
    assert code == 415 and localkube.pod(name) is None
    created, _ = raw(localkube, "POST", "/api/v1/namespaces/default/configmaps",
                     json.dumps({"metadata": {"name": name}, "data": {"k": "v"}}).encode(),
                     {**auth, "Content-Type": "application/json; charset=utf-8"})
    assert created == 201
    patch = json.dumps({"data": {"k": "w"}}).encode()
    for method in ("PATCH", "PUT"):
        code, _ = raw(localkube, method, f"/api/v1/namespaces/default/configmaps/{name}", patch,
                      {**auth, "Content-Type": "text/plain"})
        assert code == 415
    code, body = raw(localkube, "PATCH", f"/api/v1/namespaces/default/configmaps/{name}", patch,
                     {**auth, "Content-Type": "application/merge-patch+json"})
    assert code == 200 and body["data"] == {"k": "w"}


def test_the_kubeconfig_carries_the_token_for_the_official_client(localkube: LocalKube, tmp_path: Path) -> None:
    path = localkube.write_kubeconfig(tmp_path / "kubeconfig")
    assert yaml.safe_load(path.read_text())["users"][0]["user"] == {"token": localkube.token}
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert localkube.state_dir is not None and oct(localkube.state_dir.stat().st_mode & 0o777) == "0o700"
    from kubernetes import client

    api = client.CoreV1Api(kube_config.new_client_from_config(config_file=str(path)))
    assert api.read_namespace("default").metadata.name == "default"
    assert localkube.core_v1().list_secret_for_all_namespaces().kind == "SecretList"
