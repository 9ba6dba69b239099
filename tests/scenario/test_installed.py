"""Installed, not cloned: a wheel of the project, installed (not editable) into a fresh virtualenv,
finds its built-in scenarios from any directory, and its command senders get its interpreter.

The wheel is built offline from a copy of the sources (pip with --no-build-isolation and the
setuptools of this environment), and the fresh virtualenv borrows this one's dependencies through
a .pth file, so nothing is downloaded. A few seconds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

def _version(package: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in metadata.version(package).split(".")[:2] if part.isdigit())
    except metadata.PackageNotFoundError:
        return ()


# Looked up, not imported: importing setuptools here would replace the distutils pytest loaded.
pytestmark = [
    pytest.mark.skipif(not _version("pip"), reason="pip is needed to build and install the wheel"),
    pytest.mark.skipif(
        _version("setuptools") < (70, 1), reason="setuptools >= 70.1 builds wheels without the wheel package (make install brings it)"
    ),
]


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in (env or os.environ).items() if name != "PYTHONPATH"}  # the installed copy, not a source tree
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with hecharness installed from its wheel; returns its bin directory."""
    work = tmp_path_factory.mktemp("installed")
    source = work / "source"  # a copy, so the build leaves nothing in the worktree
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    sh(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", work / "dist", source, cwd=work)
    [wheel] = (work / "dist").glob("hecharness-*.whl")

    venv = work / "venv"
    sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    site = Path(sh(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=work).stdout.strip())
    # This environment's packages (pip and the dependencies) after the new one's own; the editable
    # hecharness here is not seen, since .pth files are read in site directories only.
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    sh(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel, cwd=work)
    return venv / "bin"


def test_the_installed_package_is_the_one_that_runs(installed, tmp_path):
    where = sh(installed / "python", "-c", "import hecharness; print(hecharness.__file__)", cwd=tmp_path).stdout
    assert where.startswith(str(installed.parent)) and "site-packages" in where


def test_built_in_scenarios_run_from_anywhere(installed, tmp_path):
    # PATH without either virtualenv, as from a shell that activated none: the example sender
    # (`python -m hecharness.scenario.example_sender`) still runs on the harness's interpreter.
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    listed = sh(installed / "hecharness", "scenario", "list", cwd=tmp_path, env=env)
    assert "healthy" in listed.stdout and "external-sender" in listed.stdout
    ran = sh(installed / "hecharness", "scenario", "run", "healthy", "external-sender", "--workers", "1", cwd=tmp_path, env=env)
    assert "all 2 scenarios passed" in ran.stdout, ran.stdout
    assert (tmp_path / "scenario-results" / "report.json").exists()
