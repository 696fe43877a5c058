"""Operational endpoints: health, version and Prometheus metrics."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response

from app.schemas import HealthOut, VersionOut
from app.services import ServicesDep

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=HealthOut, summary="Liveness and readiness")
async def health(services: ServicesDep) -> HealthOut:
    """Report that the service is up, with its version."""
    uptime = round(time.monotonic() - services.started_at, 3)
    return HealthOut(status="ok", version=services.settings.version, uptime_seconds=uptime)


@router.get("/version", response_model=VersionOut, summary="Running version")
async def version(services: ServicesDep) -> VersionOut:
    """Return the service name and version."""
    return VersionOut(name=services.settings.app_name, version=services.settings.version)


@router.get("/metrics", include_in_schema=False)
async def metrics(services: ServicesDep) -> Response:
    """Expose the Prometheus metrics."""
    body, content_type = services.metrics.render()
    return Response(content=body, media_type=content_type)
