"""The top-level namespace: a dozen names, each the object its home module defines, loaded only when asked for."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import hecharness


@pytest.mark.parametrize("name", [name for name in hecharness.__all__ if name != "__version__"])
def test_each_name_is_the_object_of_its_home_module(name: str) -> None:
    home = importlib.import_module(hecharness._FACE[name])
    assert getattr(hecharness, name) is getattr(home, name)


def test_the_face_is_small() -> None:
    assert len(hecharness.__all__) <= 14
    assert dir(hecharness) == sorted(hecharness.__all__)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'FakeHec'"):
        hecharness.FakeHec  # noqa: B018


def test_importing_the_package_loads_none_of_it() -> None:
    code = "import sys, hecharness; print(sorted(m for m in sys.modules if m.startswith('hecharness.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_every_user_facing_error_shares_the_root() -> None:
    assert issubclass(hecharness.HecHarnessError, Exception)
