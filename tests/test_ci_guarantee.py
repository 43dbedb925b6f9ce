"""The CI guarantee itself: a missing service skips locally but fails under CI=true."""

import pytest

from tests import conftest


def test_missing_service_fails_under_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception):
        conftest.require_service("Nothing", "redis://127.0.0.1:1/0")


def test_missing_service_skips_outside_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        conftest.require_service("Nothing", "redis://127.0.0.1:1/0")
