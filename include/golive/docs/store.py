"""Where the documentation artifacts live: a base URL (``file://``, ``gs://``, ``s3://``) read and
written with fsspec, and the public URLs the ``/golive`` plugin app serves them under.

Layout under the base (``GoliveSettings.docs_store``)::

    <application>/runbooks/<alert-slug>.html   (+ .md)   stable: the alerts' runbook_url point here
    <application>/runs/<run>/api-reference.html (+ .md, openapi.json)
    <application>/runs/<run>/documentation-quality.html (+ .md)
    <application>/runs/<run>/deployment-record.html (+ .md)

The domain never imports Airflow (it runs in the agent pods); the Airflow side writes the same
layout through ``ObjectStoragePath`` (which is fsspec underneath).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import fsspec

from golive.errors import GoliveError
from golive.settings import safe_name

#: The ledger phase whose summary lists a run's documentation artifacts (``summary.artifacts``).
DOCS_PHASE = "documentation"


class StoreError(GoliveError):
    """An artifact path is unsafe, or the store cannot be read or written; the message says which."""


def relpath(*parts: str) -> str:
    """A safe relative artifact path (no ``..``, no absolute part, no empty segment)."""
    path = PurePosixPath(*parts)
    if path.is_absolute() or any(p in ("", ".", "..") for p in path.parts) or not path.parts:
        raise StoreError(f"artifact path {'/'.join(parts)!r} must be relative, without '.' or '..' segments")
    return path.as_posix()


def runbook_path(application: str, slug: str) -> str:
    """Relative path (without suffix) of ``application``'s runbook ``slug``."""
    return relpath(application, "runbooks", slug)


def run_path(application: str, run_id: str, name: str) -> str:
    """Relative path of artifact ``name`` of one run."""
    return relpath(application, "runs", safe_name(run_id), name)


def public_url_of(public_url: str, rel: str) -> str:
    """Where the ``/golive`` plugin app serves the artifact ``rel`` (``.html`` pages without the suffix)."""
    return f"{public_url.rstrip('/')}/{relpath(rel).removesuffix('.html')}"


def runbook_base_url(public_url: str, application: str) -> str:
    """The base the monitoring phase gives its alerts (``runbook_url = <base>/<alert-slug>``)."""
    return f"{public_url.rstrip('/')}/{application}/runbooks"


@dataclass(frozen=True)
class ArtifactStore:
    """The artifacts under one base URL.

    :param base: ``file:///…``, ``gs://bucket/prefix`` or ``s3://bucket/prefix``.
    """

    base: str

    def url(self, rel: str) -> str:
        """The store URL of ``rel``."""
        return f"{self.base.rstrip('/')}/{relpath(rel)}"

    def write_text(self, rel: str, text: str) -> str:
        """Write ``text`` (UTF-8) at ``rel``; returns its URL."""
        url = self.url(rel)
        try:
            fs, path = fsspec.core.url_to_fs(url)
            fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            fs.pipe_file(path, text.encode("utf-8"))
        except (OSError, ValueError, ImportError) as exc:
            raise StoreError(f"cannot write {url}: {exc}") from exc
        return url

    def exists(self, rel: str) -> bool:
        """Whether an artifact exists at ``rel``."""
        fs, path = fsspec.core.url_to_fs(self.url(rel))
        return bool(fs.isfile(path))

    def read_text(self, rel: str) -> str:
        """The artifact at ``rel``."""
        fs, path = fsspec.core.url_to_fs(self.url(rel))
        try:
            return bytes(fs.cat_file(path)).decode("utf-8")
        except (OSError, FileNotFoundError) as exc:
            raise StoreError(f"cannot read {self.url(rel)}: {exc}") from exc

    def rel_of(self, url: str) -> str | None:
        """The relative path of a URL of this store (None when it is not one)."""
        base = self.base.rstrip("/") + "/"
        return relpath(url[len(base):]) if url.startswith(base) else None

    def page(self, rel: str) -> str | None:
        """The artifact a served URL path names: ``rel`` itself, else ``rel.html``, else
        ``rel/index.html``; None when none exists (the plugin app answers 404)."""
        for candidate in (rel, f"{rel}.html", f"{rel}/index.html"):
            if self.exists(candidate):
                return candidate
        return None
