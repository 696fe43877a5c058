"""The DAGs' analyzer catalog matches each agent's registry (the DAGs don't import the agents)."""

import importlib

import pytest

from golive.agents import catalog


@pytest.mark.parametrize("agent", sorted(catalog.ANALYZERS))
def test_catalog_matches_the_agent(agent):
    module = importlib.import_module(f"golive.agents.{agent}")
    assert catalog.ANALYZERS[agent] == tuple(module.ANALYZERS)
    assert catalog.LATE.get(agent, ()) == tuple(getattr(module, "LATE", ()))
