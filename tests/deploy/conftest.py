from __future__ import annotations

import pytest

from tests.deploy.model import OVERLAYS, Overlay, render


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> Overlay:
    """Each overlay under deploy/k8s/overlays, rendered once per test session."""
    return render(request.param)
