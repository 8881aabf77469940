"""Docs stay true to the code: every hook and every command is documented."""

import inspect
from pathlib import Path

from jimu import hookspecs
from jimu.cli import cli

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _first_line(text: str) -> str:
    return inspect.cleandoc(text).splitlines()[0]


def test_every_hook_is_documented_with_its_signature_and_summary():
    page = (DOCS / "reference" / "hooks.md").read_text(encoding="utf-8")
    hooks = [f for name, f in vars(hookspecs).items() if name.startswith("jimu_") and callable(f)]
    assert hooks
    for hook in hooks:
        signature = f"{hook.__name__}({', '.join(inspect.signature(hook).parameters)})"
        assert f"`{signature}`" in page, f"{signature} missing from docs/reference/hooks.md"
        summary = _first_line(hook.__doc__).replace(":func:", "").replace(":class:", "").replace("`", "")
        assert summary in page.replace("`", ""), f"{hook.__name__} summary differs from its docstring"


def test_every_command_is_documented():
    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"## `jimu {name}`" in page, f"jimu {name} missing from docs/reference/cli.md"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    assert opt in page, f"jimu {name} {opt} missing from docs/reference/cli.md"


def test_readme_opens_with_the_two_commands():
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in first_block.strip().splitlines()] == [["make", "demo"], ["make", "test"]]


def test_diagnostics_page_carries_the_generated_table():
    from jimu.diagnostics import reference_table

    page = (DOCS / "reference" / "diagnostics.md").read_text(encoding="utf-8")
    assert reference_table() in page, "docs/reference/diagnostics.md: paste jimu.diagnostics.reference_table()"


def test_every_assembly_key_is_documented():
    from jimu.assembly.model import CompositeAssembly, Exposed, InputField, ProductAssembly, Step

    page = (DOCS / "reference" / "assembly.md").read_text(encoding="utf-8")
    for model in (ProductAssembly, CompositeAssembly, Step, InputField, Exposed):
        for name, info in model.model_fields.items():
            key = info.alias or name
            assert f"`{key}`" in page or f"{key}," in page or f" {key}" in page, \
                f"{model.__name__}.{key} missing from docs/reference/assembly.md"


def test_the_site_builds_strictly_with_the_generated_map(tmp_path):
    """mkdocs build --strict: every hand-written page and every generated map page, no broken link."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                            cwd=DOCS.parent, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    index = (tmp_path / "site" / "map" / "index.html").read_text(encoding="utf-8")
    assert "risk.preloan" in index and "customer.step.resident_id_checksum" in index
    assert not (DOCS / "map").exists(), "the plugin must not write generated pages into docs/"


def test_the_site_works_offline(tmp_path):
    """Mermaid is vendored from npm and served with the site (Material then skips its CDN); no web fonts."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                            cwd=DOCS.parent, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    vendored = DOCS.parent / "vendor" / "mermaid" / "mermaid.min.js"
    assert (site / "assets" / "javascripts" / "mermaid.min.js").read_bytes() == vendored.read_bytes()
    page = (site / "map" / "products" / "beijing.haidian.identity_screening" / "index.html").read_text(encoding="utf-8")
    assert 'class="mermaid"' in page and "assets/javascripts/mermaid.min.js" in page
    pages = [p.read_text(encoding="utf-8") for p in site.rglob("*.html")]
    assert not any("fonts.googleapis.com" in p or "fonts.gstatic.com" in p for p in pages)


def test_search_finds_chinese_names_by_their_words(tmp_path):
    """jieba segments Chinese at build time, so a two-character query finds a longer name."""
    import json
    import os
    import re
    import subprocess
    import sys

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                            cwd=DOCS.parent, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    page = next(d for d in index["docs"] if d["location"].startswith("map/capabilities/customer.kyc.person"))
    words = set(separator.split(page["title"] + " " + page["text"]))
    assert "身份" in words, "个人客户身份核验 must be indexed as words, so 身份 finds it"
    assert "customer.kyc.person" in page["title"] + page["text"]
