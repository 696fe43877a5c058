"""The ``api_reference`` analyzer: the application's OpenAPI document (live at the profile's
``endpoints.openapi`` or a usual path, else a file of the tree) validated with
openapi-spec-validator and rendered to Markdown and HTML in the artifact store.

Measurements: ``openapi_valid`` (1 valid, 0 not: each problem is a finding with the validator's
message), ``api_operations_described`` (% of operations with a summary or description). A library or
worker without an OpenAPI document: not applicable; a service without one: no data.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from golive import http
from golive.analyzers.base import Context
from golive.analyzers.docs.options import docs_options
from golive.docs.openapi import find_in_source, read_document, render_reference
from golive.docs.store import run_path
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError, tool_version

MEASUREMENTS = ("openapi_valid", "api_operations_described")
NO_HTTP_API_KINDS = ("library", "worker")


def _live_document(ctx: Context, declared: str | None) -> tuple[str, dict[str, Any]] | None:
    """(URL, document) fetched from the deployed application, or None when it serves none."""
    if ctx.url is None:
        return None
    paths = (declared,) if declared else http.OPENAPI_PATHS
    try:
        with http.client(ctx.url) as session:
            found = http.find_openapi(session.get, paths)
    except httpx.HTTPError as exc:
        raise ToolError(f"the OpenAPI document could not be fetched from {ctx.url}: {type(exc).__name__}: {exc}"
                        ) from exc
    return (f"{ctx.url}{found[0]}", found[1]) if found else None


def _document(ctx: Context, declared: str | None) -> tuple[str, dict[str, Any]] | None:
    live = _live_document(ctx, declared)
    if live is not None or ctx.source is None:
        return live
    path = find_in_source(ctx.tree, declared)
    if path is None:
        return None
    try:
        return path.relative_to(ctx.tree).as_posix(), read_document(path)
    except ValueError as exc:
        raise ToolError(f"the tree's OpenAPI document cannot be read: {exc}") from exc


def _not_applicable(ctx: Context, version: str, why: str) -> AnalyzerResult:
    return AnalyzerResult(agent=ctx.agent, tool="api_reference", details={"tool_version": version},
                          measurements=[Measurement(name=m, value=None, unit="", applicable=False, detail=why)
                                        for m in MEASUREMENTS])


def run_api_reference(ctx: Context) -> AnalyzerResult:
    """Fetch, validate, render and write the API reference."""
    opts = docs_options(ctx)
    profile = ctx.profile.profile
    version = f"openapi-spec-validator {tool_version('openapi-spec-validator')}"
    if profile.endpoints.openapi is False:
        return _not_applicable(ctx, version, "the profile declares that the application serves no OpenAPI "
                                             "document (endpoints.openapi: false): no API reference to generate")
    declared = profile.endpoints.openapi
    found = _document(ctx, declared)
    if found is None:
        where = f"{ctx.url} ({declared or ', '.join(http.OPENAPI_PATHS)})" if ctx.url else "no URL"
        if profile.kind in NO_HTTP_API_KINDS and not declared:
            return _not_applicable(ctx, version, f"a {profile.kind} serves no HTTP API (no endpoints.openapi in "
                                                 "its profile)")
        why = f"no OpenAPI document: none served at {where} and none in the tree"
        return AnalyzerResult(agent=ctx.agent, tool="api_reference", details={"tool_version": version},
                              measurements=[Measurement(name=m, value=None, unit="", detail=why) for m in MEASUREMENTS])
    origin, doc = found
    ref = render_reference(doc, application=opts.application, origin=origin)
    artifacts = {
        "api_reference_html": opts.store.write_text(run_path(opts.application, opts.run_id, "api-reference.html"),
                                                    ref.html),
        "api_reference_md": opts.store.write_text(run_path(opts.application, opts.run_id, "api-reference.md"),
                                                  ref.markdown),
        "openapi": opts.store.write_text(run_path(opts.application, opts.run_id, "openapi.json"),
                                         json.dumps(doc, indent=2, sort_keys=False)),
    }
    findings = [Finding(tool="openapi-spec-validator", rule_id="invalid-openapi", severity=Severity.HIGH,
                        message=error, path=origin) for error in ref.errors[:200]]
    valid = Measurement(name="openapi_valid", value=0.0 if ref.errors else 1.0, unit="valid",
                        detail=(f"{len(ref.errors)} problem(s), first: {ref.errors[0]}" if ref.errors
                                else f"valid OpenAPI {doc.get('openapi') or doc.get('swagger')}"))
    share = ref.described_share
    described = Measurement(name="api_operations_described", value=share, unit="%",
                            detail=(f"{sum(op.described for op in ref.operations)} of {len(ref.operations)} "
                                    "operations have a summary or description" if share is not None
                                    else "the document has no operations"))
    return AnalyzerResult(agent=ctx.agent, tool="api_reference", findings=findings, measurements=[valid, described],
                          details={"tool_version": version, "origin": origin, "operations": len(ref.operations),
                                   "validation_errors": ref.errors[:50], "artifacts": artifacts})
