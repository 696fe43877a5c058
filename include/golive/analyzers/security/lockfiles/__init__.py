"""Lockfile readers, pure functions of a file's text: ``uv.lock``, ``poetry.lock``, ``Pipfile.lock``
(``python``) and ``package-lock.json`` versions 1–3 (``npm``). Each returns the exact versions it pins
as :class:`golive.analyzers.security.dependency.Dependency` (direct/transitive and dev when the file
says) and notes on what it could not read; ``LockfileError`` for a file that is not what it claims."""
