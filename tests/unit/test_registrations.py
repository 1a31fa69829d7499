"""Every gRPC service a service's protos declare is served, once, by the servicer that implements
its generated base class (Registration.serving reads the service off that base class)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest

from services.commitment.api import servicers as commitment
from services.credit.api import servicers as credit
from services.kernel.rpc.server import Registration
from services.verification.api import servicers as verification


def declared(package: str) -> set[str]:
    """The full names of the services the package's proto files declare."""
    found: set[str] = set()
    module = importlib.import_module(f"chengnuo.{package}.v1")
    for info in pkgutil.iter_modules(module.__path__):
        if info.name.endswith("_pb2"):
            file = importlib.import_module(f"{module.__name__}.{info.name}").DESCRIPTOR
            found |= {s.full_name for s in file.services_by_name.values()}
    return found


@pytest.mark.parametrize(
    ("package", "servicers"),
    [("commitment", commitment), ("credit", credit), ("verification", verification)],
)
def test_every_declared_service_is_served_once(package: str, servicers: Any) -> None:
    class NoDeps:
        db = None

    names = [r.name for r in servicers.registrations(NoDeps())]
    assert sorted(names) == sorted(declared(package))
    assert len(set(names)) == len(names)


def test_a_servicer_without_a_generated_base_is_refused() -> None:
    with pytest.raises(TypeError, match="implements no generated servicer"):
        Registration.serving(object())
