"""The documentation analyzers' shared options: which application and run, and where artifacts go."""

from __future__ import annotations

from dataclasses import dataclass

from golive.analyzers.base import Context
from golive.docs.store import ArtifactStore
from golive.settings import get_settings


@dataclass(frozen=True)
class DocsOptions:
    """What every documentation analyzer needs besides the target.

    :param application: the application's name (artifact paths, runbook URLs, the rules' ConfigMap).
    :param namespace: its namespace (where the monitoring phase applied its rules); None when not given.
    :param run_id: the go-live run the artifacts belong to.
    :param strategy: the deployment strategy (the runbooks' rollback command).
    :param store: where artifacts are written.
    :param public_url: where the ``/golive`` plugin app serves them.
    :param links_online: also check http(s) links.
    """

    application: str
    namespace: str | None
    run_id: str
    strategy: str
    store: ArtifactStore
    public_url: str
    links_online: bool


def docs_options(ctx: Context) -> DocsOptions:
    """The options of ``ctx`` (the agent's flags), settings for what they leave out."""
    settings = get_settings()
    opts = ctx.options
    application = opts.get("app_name") or ctx.profile.profile.name or "app"
    online = opts.get("links_online")
    namespace = opts.get("namespace")
    return DocsOptions(application=str(application), namespace=str(namespace) if namespace else None,
                       run_id=str(opts.get("docs_run") or "manual"), strategy=str(opts.get("strategy") or "rolling"),
                       store=ArtifactStore(str(opts.get("docs_store") or settings.docs_store)),
                       public_url=str(opts.get("docs_public_url") or settings.docs_public_url),
                       links_online=settings.docs_links_online if online is None else bool(online))
