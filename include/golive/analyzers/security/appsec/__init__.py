"""Static application-security checks over a target's Python source (AST and text, no import, no run).

These are *static* checks: they find the code that sets up a control and report where it is
(``file:line``), they cannot prove the running service behaves so — the live HTTP versions of these
checks (headers on real responses, a 429 under load, a CORS preflight) run against the deployed
service in the verification phase. They are generic (FastAPI/Starlette, Flask, Django idioms and
plain code), not tailored to one application; each returns a ``Check`` with the evidence or what is
missing.

* ``password_policy``: a minimum length of at least 12 enforced (a ``len(password) < N`` comparison,
  ``Field(min_length=N)`` on a password field, Django's ``MinimumLengthValidator``) together with
  character-class checks (two or more of upper, lower, digit, special) or a strength library.
* ``rate_limiting``: a limiter library in use (slowapi, limits, flask-limiter, fastapi-limiter,
  django-ratelimit…) or code that answers HTTP 429.
* ``cors``: CORS configured (Starlette/FastAPI ``CORSMiddleware``, flask-cors, django-cors-headers)
  without a wildcard origin (``"*"`` or a match-all regex), literal values resolved through constants
  and settings defaults where the code names them.
* ``security_headers``: which of HSTS, CSP, X-Content-Type-Options, X-Frame-Options and
  Referrer-Policy the code sets (header names in the code, Talisman, Django settings).
* ``input_validation``, ``auth_on_mutations``, ``no_secret_logging``, ``no_debug_mode``: the
  checklist's own checks (state-changing endpoints take schema-validated input and require an
  authenticated dependency; logging calls do not pass secrets; no debug mode).

The modules, one per control family (callers import each name from the module that owns it):

* ``index``: ``SourceIndex`` (the parsed files, their constants, aliases and functions), ``Module``,
  ``Check`` and the AST helpers the checks share.
* ``password``: ``password_policy``.
* ``ratelimit``: ``rate_limiting``.
* ``cors``: ``cors``.
* ``headers``: ``security_headers`` (and ``SECURITY_HEADERS``).
* ``endpoints``: ``Endpoint``, ``endpoints``, ``auth_on_mutations``, ``input_validation``.
* ``exposure``: ``no_secret_logging``, ``no_debug_mode``.
"""
