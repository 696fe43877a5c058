"""Application factory: routes, middleware and error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app.config import FaultMode, Settings
from app.metrics import Metrics, MetricsMiddleware
from app.middleware import FaultInjectionMiddleware, SecurityHeadersMiddleware
from app.ratelimit import RateLimitMiddleware, TokenBucketLimiter
from app.routes import auth, items, ops
from app.schemas import ErrorOut
from app.security import TokenSigner
from app.services import Services

logger = logging.getLogger("app")

RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorOut,
        "description": "Too many requests from this client",
        "headers": {
            "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
        },
    }
}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Answer 422 listing each problem, without echoing the submitted values (they may be passwords)."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return JSONResponse(status_code=422, content={"detail": detail})


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    """Answer 405 with an ``Allow`` header naming every method the path supports.

    Starlette lists only the methods of the first route that matches the path;
    FastAPI makes one route per method, so the header would be incomplete.
    """
    allowed = sorted(
        method
        for route in request.app.routes
        if isinstance(route, APIRoute) and route.path_regex.match(request.url.path)
        for method in route.methods
    )
    return JSONResponse(
        status_code=405, content={"detail": "Method Not Allowed"}, headers={"Allow": ", ".join(allowed)}
    )


def _log_startup(settings: Settings) -> None:
    """Log the version and fault mode, and warn about settings unfit for production."""
    logger.info(
        "starting %s version=%s fault_mode=%s rate_limit_per_minute=%d",
        settings.app_name,
        settings.version,
        settings.fault_mode.value,
        settings.rate_limit_per_minute,
    )
    if settings.secret_key_generated:
        logger.warning(
            "APP_SECRET_KEY is not set: using a random signing key, so tokens die with this process "
            "and are not accepted by other replicas"
        )
    if settings.fault_mode is not FaultMode.NONE:
        logger.warning("fault injection is on: FAULT_MODE=%s", settings.fault_mode.value)


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Install the middleware; the last added runs first on a request.

    Order on the way in: metrics, security headers, CORS, rate limit, fault injection.
    """
    app.add_middleware(
        FaultInjectionMiddleware,
        mode=settings.fault_mode,
        error_rate=settings.fault_error_rate,
        delay_seconds=settings.fault_delay_seconds,
    )
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(RateLimitMiddleware, limiter=TokenBucketLimiter(settings.rate_limit_per_minute))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_allow_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
        allow_credentials=False,
        max_age=600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics, access_log_enabled=settings.access_log)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the inventory service from ``settings`` (default: read from the environment)."""
    settings = settings or Settings.from_env()
    metrics = Metrics(settings.app_name, settings.version)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """Log startup and shutdown."""
        _log_startup(settings)
        yield
        logger.info("stopping %s version=%s", settings.app_name, settings.version)

    app = FastAPI(
        title="Inventory service",
        version=settings.version,
        description="Sample inventory API that golive takes live.",
        docs_url="/docs" if settings.enable_docs else None,
        redoc_url="/redoc" if settings.enable_docs else None,
        responses=RATE_LIMITED,
        lifespan=lifespan,
    )
    app.state.services = Services(
        settings=settings,
        signer=TokenSigner(settings.secret_key, settings.token_ttl_seconds),
        metrics=metrics,
    )
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(405, _method_not_allowed)
    for module in (ops, auth, items):
        app.include_router(module.router)
    _add_middleware(app, settings, metrics)
    return app
