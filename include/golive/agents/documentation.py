"""The Documentation agent (plan 000, phase 7): the API reference, a runbook per alert and the
documentation quality report of the *deployed* application, written to the artifact store.

A URL agent (``AgentSpec(target="url")``, see :mod:`golive.cli.gate`)::

    python -m golive.agents.documentation analyze --tool api_reference --url URL [--source PATH] \\
        --app-name APP [--docs-store file:///…|gs://…] [--docs-run RUN_ID]
    python -m golive.agents.documentation analyze --tool runbooks --url URL --app-name APP --namespace NS \\
        [--strategy canary] [--rules-file prometheus-rule.yaml]
    python -m golive.agents.documentation analyze --tool doc_quality --url URL --source PATH [--links-online]
    python -m golive.agents.documentation document --url URL --source PATH --app-name APP --namespace NS

Analyzers:

* ``api_reference``: the OpenAPI document (live at ``endpoints.openapi`` or a usual path, else a
  file of the tree) validated by openapi-spec-validator, rendered to Markdown and HTML →
  ``openapi_valid``, ``api_operations_described`` (%).
* ``runbooks``: a page per alert of the rules the monitoring phase applied (ConfigMap
  ``<app>-prometheus-rules`` in ``--namespace``), where their ``runbook_url`` point; every URL
  checked → ``runbooks_resolved`` (%).
* ``doc_quality``: docstring (interrogate) and JSDoc coverage, broken links (lychee: relative links
  and anchors always, http(s) only with ``--links-online``), README sections →
  ``python_docstring_coverage``, ``jsdoc_coverage``, ``local_links_broken``,
  ``external_links_broken``, ``readme_sections``.

Artifacts go under ``--docs-store`` (default ``GOLIVE_DOCS_STORE_URL``, else
``file://$GOLIVE_HOME/docs``) and are listed in each result's ``details.artifacts``. Its gate is
:data:`golive.gates.documentation.DOCUMENTATION`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from golive.analyzers.base import Analyzer
from golive.analyzers.docs.apiref import run_api_reference
from golive.analyzers.docs.quality import run_doc_quality
from golive.analyzers.docs.runbooks import run_runbooks
from golive.cli.args import dns_label, relative_path, run_id, store_url, target_url
from golive.cli.gate import AgentSpec
from golive.cli.gate import main as gate_main
from golive.gates.documentation import DOCUMENTATION

REGISTRY: dict[str, Analyzer] = {
    "api_reference": run_api_reference,
    "runbooks": run_runbooks,
    "doc_quality": run_doc_quality,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The documentation agent's own options (they reach the analyzers as ``ctx.options``)."""
    g = parser.add_argument_group("documentation options")
    g.add_argument("--app-name", type=dns_label("app-name"), default=None,
                   help="the application (artifact paths, runbook URLs; default: the profile's name)")
    g.add_argument("--namespace", type=dns_label("namespace"), default=None,
                   help="its namespace, where the monitoring phase applied its rules")
    g.add_argument("--strategy", choices=("rolling", "blue-green", "canary"), default="rolling",
                   help="the deployment strategy (the runbooks' rollback command)")
    g.add_argument("--docs-store", type=store_url, default=None,
                   help="artifact store base URL (default: GOLIVE_DOCS_STORE_URL, else file://$GOLIVE_HOME/docs)")
    g.add_argument("--docs-public-url", type=target_url, default=None,
                   help="where the /golive plugin app serves the store (default: GOLIVE_DOCS_PUBLIC_URL)")
    g.add_argument("--docs-run", type=run_id, default=None, help="the run the artifacts belong to")
    g.add_argument("--rules-file", type=relative_path, default=None,
                   help="a PrometheusRule file in --source instead of the applied ConfigMap")
    g.add_argument("--links-online", action=argparse.BooleanOptionalAction, default=None,
                   help="also check http(s) links (default: GOLIVE_DOCS_LINKS_ONLINE)")


SPEC = AgentSpec(
    gate=DOCUMENTATION, registry=REGISTRY, gate_action="document", target="url", add_arguments=add_arguments,
    description="golive Documentation agent: the API reference from the OpenAPI document, a runbook per alert, "
                "the documentation quality report; verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.documentation``; returns the exit code."""
    return gate_main(SPEC, argv)


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
