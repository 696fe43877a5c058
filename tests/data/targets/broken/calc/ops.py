"""Operations."""


def add(a: int, b: int) -> int:
    """Return a + b."""
    return a + b
