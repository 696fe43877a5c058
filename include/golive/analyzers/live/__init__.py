"""The verification agent's live analyzers: health, version and the hardening checks on the wire.

Each analyzer talks to the running application at ``ctx.url`` (a loopback or in-cluster address)
with real requests, bounded in number and time, through :mod:`golive.http` (its client, health rule,
version lookup and OpenAPI discovery):

* ``health``: ``GET /health`` N times (``--probes``, default 5) → ``health_ok`` (1 when every probe
  is healthy by :func:`golive.http.is_healthy`: 200, and a healthy ``status`` word if any), latencies
  in the detail;
* ``version``: ``/version`` JSON, else the ``app_info{version=…}`` metric, else ``/health`` JSON →
  ``version_matches`` against ``--expected-version``;
* ``headers``: HSTS, CSP, ``X-Content-Type-Options: nosniff``, ``X-Frame-Options``, ``Referrer-Policy``
  on real responses → ``security_headers_live`` (0-5, a header counts when valid on every response);
* ``cors``: a preflight from ``https://evil.example`` (and a simple request with that ``Origin``) →
  ``cors_foreign_refused``;
* ``ratelimit``: a concurrent burst of at most ``--burst-max`` requests (stopping at the first 429,
  bounded in time) to an API path → ``rate_limited`` and the number of requests it took;
* ``password``: registration with weak passwords via the OpenAPI-discovered register endpoint refused
  (4xx) while a strong one is accepted → ``weak_password_refused``.

An application that cannot be reached raises ``ToolError``: the analyzer's criteria become no-data,
never a pass. Nothing here logs a password or a token.

One module per analyzer (``health``, ``version``, ``headers``, ``cors``, ``ratelimit``, ``password``);
``client`` holds how they talk to the application, ``openapi`` what they read from its OpenAPI document.
"""

