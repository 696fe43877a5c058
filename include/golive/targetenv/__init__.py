"""The target's own environment for its test suite: built from its declared dependencies, cached.

* ``model``: ``TargetEnv`` (a built environment and how it was obtained) and ``EnvError``;
* ``discover``: which dependency files, extras and groups a tree declares (``PythonPlan``, ``NodePlan``);
* ``cache``: the cache under ``GoliveSettings.envs``: a key per plan, one builder at a time (a file
  lock), a completion marker written last, so that a killed build is never taken for a built one;
* ``python``: a virtual environment built with uv (``uv.lock``, ``pyproject.toml`` extras and
  dependency groups, ``requirements*.txt``) and the per-run overlay that installs the project itself;
* ``node``: ``node_modules`` built with ``npm ci`` (or ``npm install``) and the temporary copy of the
  tree the tests run in.

Nothing here writes into the target's tree: builds run in the cache, tests in a copy.
"""

from golive.targetenv.model import EnvError, TargetEnv

__all__ = ["EnvError", "TargetEnv"]
