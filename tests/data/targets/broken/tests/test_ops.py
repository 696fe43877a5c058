from calc.ops import add
from calc.statistics import mean  # this module does not exist: the suite cannot be collected


def test_add():
    assert add(1, 2) == 3


def test_mean():
    assert mean([1, 2]) == 1.5
