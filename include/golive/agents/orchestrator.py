"""Orchestrator agent: plans a go-live (which phases, which pod profile) from the application itself.

``python -m golive.agents.orchestrator plan --source PATH [--ref REF]`` resolves the application's
profile (the conf's, ``$GOLIVE_PROFILE``, else the tree's ``golive.yaml``, completed by detection),
reads its PRD/README and declared dependencies, scores how likely it is an ML workload
(``golive.routing``) and prints the plan as JSON (also to the pod's XCom file when run by
``AgentPodOperator``): the commit every later pod must find the source at (``golive.sources.pin``: the
ref's git SHA, or ``tree:<sha256>`` of a plain directory), the routing decision, which decides at run
time the pod profile of the ML steps, and the profile with what was assumed about the application.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from golive.cli import args as args_
from golive.cli.output import ExitCode, emit
from golive.results import PlanResult
from golive.routing import route_source
from golive.runtime import write_xcom
from golive.sources import redact


def plan(source: str, ref: str = "HEAD") -> dict[str, Any]:
    """The go-live plan of the application at ``source``: the commit it pins, its routing decision
    (cpu or gpu) and its profile."""
    from golive.profile.load import load_profile
    from golive.settings import get_settings
    from golive.sources import pin

    with tempfile.TemporaryDirectory(prefix="golive-plan-") as tmp:
        tree, commit = pin(source, ref, Path(tmp))
        resolved = load_profile(tree, get_settings().profile)
        decision = route_source(tree, resolved=resolved)
    profile = resolved.profile
    return {"agent": "orchestrator", "action": "plan", "source": redact(source), "ref": ref, "commit": commit,
            "routing": {"ml_score": decision.score, "profile": decision.profile,
                        "evidence": decision.evidence, "reason": decision.reason},
            "application_profile": {"source": resolved.source, "kind": profile.kind,
                                    "languages": list(profile.languages),
                                    "chart": profile.chart.model_dump(mode="json") if profile.chart else None,
                                    "assumptions": list(resolved.assumptions),
                                    "profile": profile.model_dump(mode="json", exclude_defaults=True)}}


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(prog="python -m golive.agents.orchestrator", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    p_plan = sub.add_parser("plan", help="plan a go-live: route the workload to the cpu or gpu profile")
    p_plan.add_argument("--source", required=True, type=args_.source,
                        help="local path or git URL of the application")
    p_plan.add_argument("--ref", default="HEAD", type=args_.ref, help="git ref (default HEAD)")
    args = parser.parse_args(argv)
    try:
        result = plan(args.source, args.ref)
    except Exception as exc:
        print(f"orchestrator plan failed: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    write_xcom(result, PlanResult)
    emit(result)
    return ExitCode.OK


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    raise SystemExit(main())
