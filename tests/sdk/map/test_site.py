"""`jimu map build|serve`: the whole site through MkDocs, a new plugin showing up, bad setups as hints."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")

ROOT = Path(__file__).resolve().parents[3]
JIMU = Path(sys.executable).with_name("jimu")
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "COLUMNS": "200"}


def _jimu(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(JIMU), *args], cwd=cwd, capture_output=True, text=True, env=env or ENV,
                          timeout=timeout)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_map_build_writes_the_site_with_the_map_assets(tmp_path):
    site = tmp_path / "site"
    result = _jimu("map", "build", "--site-dir", str(site))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"open {site / 'index.html'}" in result.stdout
    assert "jimu-map: catalog loaded in" in result.stderr and "pages generated in" in result.stderr
    index = (site / "map" / "index.html").read_text(encoding="utf-8")
    assert '<form class="jimu-filters" hidden' in index
    assert "assets/javascripts/jimu-map.js" in index and "assets/stylesheets/jimu-map.css" in index
    package = ROOT / "sdk" / "jimu" / "map" / "assets"
    for name, folder in (("jimu-map.js", "javascripts"), ("jimu-map.css", "stylesheets")):
        assert (site / "assets" / folder / name).read_bytes() == (package / name).read_bytes()
    # the script works with Material's instant navigation and without it
    script = (package / "jimu-map.js").read_text(encoding="utf-8")
    assert "document$.subscribe(setup)" in script and "DOMContentLoaded" in script
    assert not (ROOT / "docs" / "map").exists()


def test_installing_a_plugin_distribution_adds_its_capabilities_at_the_next_build(test_plugins_dir, tmp_path):
    """No other change: the same mkdocs.yml, assemblies and command; only the distribution is new."""
    env = {**ENV, "JIMU_PLUGINS_ALLOW": "jimu-credit,jimu-test-good"}
    before, after = tmp_path / "before", tmp_path / "after"
    result = _jimu("map", "build", "--site-dir", str(before), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    installed = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(test_plugins_dir), env.get("PYTHONPATH")]))}
    result = _jimu("map", "build", "--site-dir", str(after), env=installed)
    assert result.returncode == 0, result.stderr[-3000:]

    new = ["acme.step.double", "acme.task.quadruple", "acme.step.legacy_double", "acme.step.triple",
           "acme.task.zhejiang_only"]
    for cap_id in new:
        assert not (before / "map" / "capabilities" / cap_id).exists(), cap_id
        page = (after / "map" / "capabilities" / cap_id / "index.html").read_text(encoding="utf-8")
        assert "jimu-test-good" in page, cap_id
    assert (after / "map" / "domains" / "acme" / "index.html").is_file()
    index_before = (before / "map" / "index.html").read_text(encoding="utf-8")
    index_after = (after / "map" / "index.html").read_text(encoding="utf-8")
    assert 'data-domain="acme"' not in index_before
    assert '<div class="jimu-domain" data-domain="acme">' in index_after
    assert '<option value="acme">' in index_after
    for cap_id in new:
        assert f'data-id="{cap_id}"' in index_after, cap_id
    # quadruple composes double: double is nested under it, a block of its own with its lifecycle
    assert 'data-id="acme.step.triple" data-level="5" data-lifecycle="retired"' in index_after


def test_map_build_without_a_config_says_what_to_do(tmp_path):
    result = _jimu("map", "build", cwd=tmp_path)
    assert result.returncode == 1
    assert "mkdocs.yml not found" in result.stderr and "--markdown DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_map_build_needs_the_jimu_map_plugin(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# home\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    result = _jimu("map", "build", cwd=tmp_path)
    assert result.returncode == 1
    assert "does not list the jimu-map plugin" in result.stderr and "plugins:" in result.stderr


def test_a_strict_build_failure_is_a_message_not_a_traceback(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# home\n\n[gone](nowhere.md)\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - jimu-map:\n      mermaid: mermaid.js\n", encoding="utf-8")
    (tmp_path / "mermaid.js").write_text("/* stand-in */", encoding="utf-8")
    result = _jimu("map", "build", "--strict", cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert "nowhere.md" in result.stderr and "the site did not build" in result.stderr
    assert "Traceback" not in result.stderr
    assert _jimu("map", "build", "--no-strict", cwd=tmp_path).returncode == 0


def test_map_serve_listens_on_localhost_only(tmp_path):
    port = _free_port()
    server = subprocess.Popen([str(JIMU), "map", "serve", "--port", str(port)], cwd=ROOT, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        body, deadline = "", time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/map/", timeout=5) as response:
                    body = response.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.5)
        assert '<form class="jimu-filters"' in body, server.stderr.read() if server.poll() is not None else "timeout"
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if listening.returncode == 0:  # ss is there: the socket is bound to 127.0.0.1, nothing wider
            assert f"127.0.0.1:{port}" in listening.stdout and f"0.0.0.0:{port}" not in listening.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_map_serve_on_a_taken_port_says_so(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _jimu("map", "serve", "--port", str(port), timeout=120)
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_map_subcommand_and_option_is_documented():
    """tests/test_docs.py checks top-level commands; a group's subcommands are checked here."""
    from jimu.cli.map import map_group

    page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    section = page.split("## `jimu map`")[1].split("\n## ")[0]
    for name, command in map_group.commands.items():
        assert f"`jimu map {name}" in section, name
        for param in command.params:
            for opt in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]:
                if opt.startswith("--"):
                    assert opt in section, f"jimu map {name} {opt}"
