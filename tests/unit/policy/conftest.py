"""Fixtures for the access policy tests: the shipped engine, loaded once for the session."""

from __future__ import annotations

import pytest

from listwarden.policy.engine import PolicyEngine


@pytest.fixture(scope="session")
def access_engine() -> PolicyEngine:
    return PolicyEngine.load()
