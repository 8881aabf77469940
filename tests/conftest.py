"""Shared fixtures: the test-only plugin distributions under tests/plugins/.

`make test` pip-installs them into .venv/test-plugins and passes the folder in
$JIMU_TEST_PLUGINS; run without make, they are installed into a temporary folder once.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def test_plugins_dir(tmp_path_factory) -> Path:
    given = os.environ.get("JIMU_TEST_PLUGINS")
    if given and (Path(given) / ".installed").exists():
        return Path(given)
    target = tmp_path_factory.mktemp("test-plugins")
    sources = sorted(str(p) for p in (ROOT / "tests" / "plugins").iterdir() if (p / "pyproject.toml").exists())
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), *sources],
        check=True,
        env={**os.environ, "PIP_CONSTRAINT": str(ROOT / "constraints.txt")},
    )
    return target


@pytest.fixture
def with_test_plugins(test_plugins_dir, monkeypatch) -> Path:
    """Put the test plugin distributions on sys.path for this test (entry points included)."""
    monkeypatch.syspath_prepend(str(test_plugins_dir))
    importlib.invalidate_caches()
    return test_plugins_dir


def run_jimu(*args: str, extra_path: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the installed `jimu` command in a subprocess, as a user would."""
    env = {**os.environ}
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    env.setdefault("COLUMNS", "200")
    jimu = Path(sys.executable).with_name("jimu")
    return subprocess.run([str(jimu), *args], capture_output=True, text=True, env=env, **kwargs)


@pytest.fixture
def jimu_cmd():
    """``jimu_cmd("catalog", "--json")``: the command line in a subprocess."""
    return run_jimu
