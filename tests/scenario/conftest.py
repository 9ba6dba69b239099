"""Fixtures for the scenario tests: one certificate set for the whole run, shared by every xdist worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from hecharness.scenario.run import prepare_certificates
from hecharness.tls import CertificateFiles


@pytest.fixture(scope="session")
def scenario_certs(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    # The parent of the worker's base directory is shared by all workers of one run; making the
    # certificates is locked, so the first worker writes them and the others read them.
    return prepare_certificates(tmp_path_factory.getbasetemp().parent / "scenario-certs")


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "results"
