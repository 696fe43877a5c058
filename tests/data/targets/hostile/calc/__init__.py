"""A tiny calculator whose suite lies about its results."""


def add(a: int, b: int) -> int:
    """The sum of a and b: wrong on purpose, so a truthful suite fails."""
    return a - b


def double(a: int) -> int:
    """Twice a."""
    return 2 * a
