"""The capability map generator: pages, nesting, impact, product params, links, and MkDocs --strict."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jimu.map import generate
from jimu.map.generate import esc
from jimu.plugins import load_catalog

ROOT = Path(__file__).resolve().parents[3]
ASSEMBLIES = ROOT / "assemblies"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def site(catalog, tmp_path_factory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("map")
    return out, generate(catalog, ASSEMBLIES, out)


def _read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def test_a_page_for_every_capability_domain_and_product(catalog, site):
    out, written = site
    assert out / "index.md" in written
    for cap_id in {c.id for c in catalog.capabilities.values()}:
        assert (out / "capabilities" / f"{cap_id}.md").is_file(), cap_id
    for d in catalog.domains:
        assert (out / "domains" / f"{d}.md").is_file(), d
    from jimu.assembly import find_assemblies, load_file

    products = [f.model.id for f in map(load_file, find_assemblies([ASSEMBLIES])) if f.kind == "product"]
    assert products
    for pid in products:
        assert (out / "products" / f"{pid}.md").is_file(), pid
    assert written == sorted(written)


def _items(index: str) -> list[tuple[int, str]]:
    """(depth, capability id) for every list item linking a capability page."""
    found = []
    for line in index.splitlines():
        m = re.match(r"^( *)- \[`([a-z0-9_.]+)`\]\(capabilities/", line)
        if m:
            found.append((len(m.group(1)) // 4, m.group(2)))
    return found


def test_index_nests_the_preloan_tree_and_marks_shared_steps(site):
    out, _ = site
    index = _read(out, "index.md")
    items = _items(index)
    chain = ["risk.preloan", "risk.intake", "customer.kyc.person", "customer.step.resident_id_checksum"]
    start = items.index((0, "risk.preloan"))
    depth, pos = 0, start
    for cap_id in chain[1:]:  # each next one appears deeper, inside its parent's subtree
        depth += 1
        pos = next(i for i in range(pos + 1, len(items)) if items[i] == (depth, cap_id) or items[i][0] < depth)
        assert items[pos] == (depth, cap_id), f"{cap_id} not nested under {chain[depth - 1]}"
    line = next(line for line in index.splitlines()
                if line.startswith("    " * 3 + "- [`customer.step.resident_id_checksum`]"))
    assert "jimu-shared" in line and "shared" in line
    assert 'class="jimu-lifecycle' in line and "jimu-usage" in line
    # every domain has a block
    for d in ("customer", "risk", "mgmt", "channel"):
        assert f"(domains/{d}.md)" in index


def test_every_block_carries_what_the_filters_read(catalog, site):
    out, _ = site
    index = _read(out, "index.md")
    lines = index.splitlines()
    blocks = 0
    for i, line in enumerate(lines):
        m = re.match(r"^( *)- \[`([a-z0-9_.]+)`\]\(capabilities/", line)
        if not m:
            continue
        blocks += 1
        entry = catalog.get(m.group(2))
        status = entry.lifecycle.status.value
        # attr_list reads a list item's attributes from a line of its own, indented under it
        assert lines[i + 1] == (f'{m.group(1)}  {{ .jimu-cap .jimu-lc-{status} data-id="{entry.id}" '
                                f'data-domain="{entry.domain}" data-level="{int(entry.level)}" '
                                f'data-lifecycle="{status}" }}'), line
    assert blocks >= len({c.id for c in catalog.capabilities.values()})
    for d in catalog.domains:
        assert f'<div class="jimu-domain" data-domain="{d}" markdown="1">' in index
    assert index.count('<div class="jimu-domain"') == len(catalog.domains)
    assert index.count("<div ") == index.count("</div>")  # every block closed


def test_filter_form_lists_every_domain_level_and_lifecycle(catalog, site):
    out, _ = site
    index = _read(out, "index.md")
    form = index.split('<form class="jimu-filters" hidden')[1].split("</form>")[0]
    for d in catalog.domains:
        assert f'<option value="{d}">' in form
    assert re.findall(r'name="level" value="(\d)"', form) == ["2", "3", "4", "5"]
    assert re.findall(r'name="lifecycle" value="(\w+)"', form) == ["experimental", "production", "deprecated",
                                                                     "retired"]
    assert "\n\n" not in form  # one raw HTML block: a blank line would end it
    legend = index.split('<p class="jimu-legend">')[1].split("</p>")[0]
    assert legend.count("jimu-lifecycle") == 4 and legend.count("jimu-heat-") == 4


def test_usage_heat_bands():
    from jimu.map.filters import heat

    assert [heat(n) for n in (0, 1, 2, 3, 4, 40)] == ["none", "low", "mid", "mid", "high", "high"]


def test_shelf_holds_what_nothing_composes(site):
    out, _ = site
    index = _read(out, "index.md")
    customer = index.split("(domains/customer.md)")[1].split("\n## ")[0]
    shelf = customer.split("Shelf")[1]
    assert "customer.kyc.org" in shelf


def test_capability_page_contract_and_impact_path(site):
    out, _ = site
    page = _read(out, "capabilities/customer.step.resident_id_checksum.md")
    assert "居民身份证号码校验" in page and "Resident ID checksum" in page
    assert "## Input" in page and "`resident_id`" in page
    assert "## Params" in page and "`accept_legacy_15`" in page
    assert "KYC_RIC_CHECKSUM" in page and "身份证号码校验码错误" in page
    assert "```mermaid" in page
    assert "jimu-credit" in page
    impact = page.split("## Impact")[1]
    row = next(line for line in impact.splitlines() if "products/beijing.haidian.identity_screening.md" in line)
    assert ("customer.step.resident_id_checksum → customer.kyc.person → risk.intake → "
            "beijing.haidian.identity_screening") in row


def test_composite_page_shows_exposed_params_and_steps(site):
    out, _ = site
    page = _read(out, "capabilities/risk.intake.md")
    assert "## Steps" in page and "customer.kyc.person.md" in page
    assert "kyc.accept_legacy_15" in page
    assert "risk_intake.yaml" in page.split("| file |")[1].splitlines()[0]


def test_product_page_has_step_graph_and_params_beside_ranges(site):
    out, _ = site
    page = _read(out, "products/beijing.haidian.identity_screening.md")
    assert "```mermaid\nflowchart LR" in page
    assert "`beijing.haidian`" in page
    assert "assemblies/beijing/haidian_identity_screening.yaml" in page
    row = next(line for line in page.splitlines() if "`min_age`" in line)
    assert "`22`" in row and "`18..30`" in row


def test_every_link_points_at_a_generated_page(site):
    out, written = site
    pages = set(written)
    links = 0
    for page in written:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'href="([^"]+)"', text):
            if re.match(r"^[a-z]+://", target) or target.startswith("#"):
                continue
            resolved = (page.parent / target.split("#")[0]).resolve()
            assert resolved in {p.resolve() for p in pages}, f"{page.relative_to(out)} links to {target}"
            links += 1
    assert links > 100


def test_user_text_is_escaped(catalog, tmp_path):
    from jimu.map.generate import code, esc

    assert esc("<script>x</script> a|b *c*") == "&lt;script&gt;x&lt;/script&gt; a&#124;b \\*c\\*"
    assert code("a`b") == "``a`b``"


def test_deterministic_and_fast(catalog, tmp_path):
    started = time.perf_counter()
    first = generate(catalog, ASSEMBLIES, tmp_path / "a")
    took = time.perf_counter() - started
    second = generate(catalog, ASSEMBLIES, tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a
    assert took < 1.0, f"generation took {took:.2f} s"


def test_both_versions_of_a_test_plugin_capability(with_test_plugins, tmp_path):
    catalog = load_catalog()
    generate(catalog, None, tmp_path)
    page = (tmp_path / "capabilities" / "acme.step.double.md").read_text(encoding="utf-8")
    versions = page.split("## Versions")[1].split("\n## ")[0]
    assert "`2.0.0`" in versions and "`1.0.0`" in versions
    assert "jimu-test-good" in versions


def test_cli_map_build(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from jimu.cli.map import map_group

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(map_group, ["build", "--markdown", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    assert "pages" in result.output
    assert (tmp_path / "m" / "index.md").is_file()


def test_mkdocs_build_strict(site, tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    out, _ = site
    import shutil

    docs = tmp_path / "docs"
    shutil.copytree(out, docs)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: map test\n"
        "docs_dir: docs\n"
        "site_dir: site\n"
        "theme:\n  name: material\n  font: false\n"
        "plugins: []\n"
        "markdown_extensions:\n  - tables\n  - admonition\n  - attr_list\n  - md_in_html\n"
        "  - pymdownx.superfences:\n      custom_fences:\n"
        "        - name: mermaid\n          class: mermaid\n"
        "          format: !!python/name:pymdownx.superfences.fence_code_format\n",
        encoding="utf-8",
    )
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    built = (tmp_path / "site" / "products" / "beijing.haidian.identity_screening" / "index.html")
    assert 'class="mermaid"' in built.read_text(encoding="utf-8")
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<div class="jimu-domain" data-domain="customer">' in index
    assert re.search(r'<li class="jimu-cap jimu-lc-production" data-domain="customer" '
                     r'data-id="customer.step.resident_id_checksum" data-level="5" data-lifecycle="production">', index)
    assert "{ .jimu-cap" not in index and 'markdown="1"' not in index  # the extensions consumed them


def test_mkdocs_plugin_adds_generated_pages(tmp_path):
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config
    from mkdocs.structure.files import Files

    from jimu.map.mkdocs_plugin import JimuMapPlugin

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# home\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    plugin = JimuMapPlugin()
    mermaid = tmp_path / "mermaid.min.js"
    mermaid.write_text("/* a stand-in for the vendored Mermaid */", encoding="utf-8")
    plugin.load_config({"assemblies": str(ASSEMBLIES), "mermaid": str(mermaid)})
    files = plugin.on_files(Files([]), config=config)
    try:
        paths = {f.src_uri for f in files}
        assert "assets/javascripts/mermaid.min.js" in paths
        assert "map/index.md" in paths
        assert "map/capabilities/customer.step.resident_id_checksum.md" in paths
        assert "map/products/beijing.haidian.identity_screening.md" in paths
        assert not (tmp_path / "docs" / "map").exists()  # nothing written into docs/
    finally:
        plugin.on_shutdown()


def test_mkdocs_plugin_refuses_to_build_without_the_vendored_mermaid(tmp_path):
    pytest.importorskip("mkdocs")
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import Files

    from jimu.map.mkdocs_plugin import JimuMapPlugin

    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    plugin = JimuMapPlugin()
    plugin.load_config({"assemblies": str(ASSEMBLIES), "mermaid": str(tmp_path / "absent.js")})
    try:
        with pytest.raises(PluginError, match="make vendor"):
            plugin.on_files(Files([]), config=load_config(str(tmp_path / "mkdocs.yml")))
    finally:
        plugin.on_shutdown()


def test_plugin_problems_are_shown_on_the_map(with_test_plugins, tmp_path):
    catalog = load_catalog()
    assert catalog.errors  # jimu-test-importerror and jimu-test-invalid are broken on purpose
    generate(catalog, None, tmp_path)
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    warning = index.split("!!! warning")[1].split("\n\n", 2)[1]
    assert "jimu-test-importerror" in warning and "jimu-test-invalid" in warning
    assert len([line for line in warning.splitlines() if line.startswith("    - ")]) == len(catalog.errors)


def test_every_registered_reason_code_is_on_the_reason_code_page(catalog, site):
    """The reason-code registry's reference is generated: a code a plugin registers is listed,
    with its texts and the capabilities that raise it (SYS_* codes by the runtime)."""
    out, written = site
    page = _read(out, "reasons.md")
    assert out / "reasons.md" in written and "(reasons.md)" in _read(out, "index.md")
    assert len(catalog.reasons) > 20
    for rc in catalog.reasons.values():
        row = next((line for line in page.splitlines() if line.startswith(f"| `{rc.code}` |")), None)
        assert row is not None, rc.code
        assert esc(rc.text_zh) in row
    scorecard = next(line for line in page.splitlines() if "(capabilities/risk.prescreen.scorecard.md)" in line)
    assert scorecard.startswith("| `SC_")
    assert "Jimu (runtime)" in next(line for line in page.splitlines() if line.startswith("| `SYS_STEP_RAISED` |"))
