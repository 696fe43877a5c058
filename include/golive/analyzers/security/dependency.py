"""One dependency of the target: ecosystem, name, exact version (or the range declared), and where it comes from."""

from __future__ import annotations

from dataclasses import dataclass

PYPI = "PyPI"
NPM = "npm"


@dataclass(frozen=True)
class Dependency:
    """A declared or locked dependency.

    ``version`` is the exact version when the file pins one (a lockfile, ``==`` in a requirements
    file), else None (a range: what gets installed is unknown). ``direct`` is True/False when the file
    says whether the project asks for it itself, None when it cannot tell; ``dev`` marks dependencies
    only development and tests need.
    """

    name: str
    version: str | None
    spec: str
    path: str
    line: int | None
    ecosystem: str = PYPI
    direct: bool | None = None
    dev: bool = False

    @property
    def label(self) -> str:
        """``name==version`` (PyPI) or ``name@version`` (npm); the spec when unpinned."""
        if self.version is None:
            return self.spec
        return f"{self.name}@{self.version}" if self.ecosystem == NPM else f"{self.name}=={self.version}"
