"""golive.charts.pull_chart: a chart pulled from a Helm repository with Helm's SDK (no helm binary).

Nothing outside this machine is reachable here, so the repository is a local one: the generic chart
packaged and indexed with the SDK and served over loopback HTTP (the profile itself only accepts
https:// and oci:// refs; the pull is the same code path).
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from local_http import serving
from repo_paths import REPO

from golive.charts import ChartRenderError, pull_chart, render_chart


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def test_pull_from_a_helm_repository_then_render(tmp_path: Path) -> None:
    import helm_python

    repo = tmp_path / "repo"
    repo.mkdir()
    helm_python.package(REPO / "charts" / "golive-app", destination=repo)
    helm_python.repo_index_generate(repo)
    handler: Any = functools.partial(_Quiet, directory=str(repo))
    with serving(handler) as url:
        chart = pull_chart(url, tmp_path / "pulled", name="golive-app", version="0.1.0")
    assert (chart / "Chart.yaml").is_file() and chart.name == "golive-app"
    objs = render_chart(chart, "web-stable", "apps", {"image": {"repository": "web", "tag": "1.0.0"}})
    assert any(o["kind"] == "Deployment" for o in objs)


def test_an_unreachable_registry_fails_naming_the_ref(tmp_path: Path) -> None:
    with pytest.raises(ChartRenderError, match=r"oci://127\.0\.0\.1:9/charts/web"):
        pull_chart("oci://127.0.0.1:9/charts/web", tmp_path, version="1.0.0")
