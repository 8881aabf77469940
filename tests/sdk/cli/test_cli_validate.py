"""``jimu validate``, ``jimu graph`` and ``jimu schema`` through the real command line (a subprocess)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml"
COMPOSITE = ROOT / "capabilities" / "jimu_credit" / "composites" / "risk_intake.yaml"

BROKEN = textwrap.dedent("""\
    kind: product
    id: beijing.haidian.broken
    version: 1.0.0
    branch: beijing.haidian
    name: Broken
    name_zh: 坏
    owner: o
    steps:
      - id: kyc
        uses: customer.kyc.persn
    decision: steps.kyc.decision
    """)

DIAGNOSTIC_KEYS = {"code", "severity", "message", "file", "line", "column", "hint"}


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout


@pytest.fixture
def broken(tmp_path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- validate


def test_validate_in_the_repository_root(jimu_cmd):
    result = jimu_cmd("validate", cwd=ROOT)
    no_traceback(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^\d+ files? checked: 0 errors, \d+ warnings? — ok$", result.stdout, re.M), result.stdout


def test_validate_the_bundled_product_and_composite(jimu_cmd):
    result = jimu_cmd("validate", str(PRODUCT), str(COMPOSITE), cwd=ROOT)
    assert result.returncode == 0 and "2 files checked: 0 errors, 0 warnings — ok" in result.stdout


def test_json_on_a_clean_file_is_an_empty_list(jimu_cmd):
    result = jimu_cmd("validate", str(PRODUCT), "--json", cwd=ROOT)
    no_traceback(result)
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_a_broken_file_compiler_style(jimu_cmd, broken):
    result = jimu_cmd("validate", "broken.yaml", cwd=broken.parent)
    no_traceback(result)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("broken.yaml:"))
    assert lines[head] == "broken.yaml:10:11: error J201 unknown capability 'customer.kyc.persn'"
    assert lines[head + 1] == "        uses: customer.kyc.persn"
    assert lines[head + 2] == "    " + " " * 10 + "^"  # under column 11
    assert lines[head + 3].startswith("    hint: did you mean 'customer.kyc.person'")
    assert lines[-1] == "1 file checked: 1 error, 0 warnings — failed"


def test_a_broken_file_as_json(jimu_cmd, broken):
    result = jimu_cmd("validate", "broken.yaml", "--json", cwd=broken.parent)
    no_traceback(result)
    assert result.returncode == 1
    diagnostics = json.loads(result.stdout)
    assert len(diagnostics) == 1 and DIAGNOSTIC_KEYS <= set(diagnostics[0])
    assert diagnostics[0] | {"hint": None} == {
        "code": "J201", "severity": "error", "message": "unknown capability 'customer.kyc.persn'",
        "file": "broken.yaml", "line": 10, "column": 11, "hint": None, "name": "unknown-capability"}


def test_every_diagnostic_of_a_file_in_one_pass(jimu_cmd, tmp_path):
    text = BROKEN.replace("version: 1.0.0", "version: 1.0").replace("uses: customer.kyc.persn", "uses: customer.kyc.person\n    whn: x")
    (tmp_path / "two.yaml").write_text(text, encoding="utf-8")
    result = jimu_cmd("validate", "two.yaml", "--json", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1
    assert sorted(d["code"] for d in json.loads(result.stdout)) == ["J102", "J103"]


def test_warnings_alone_exit_0(jimu_cmd, tmp_path):
    text = BROKEN.replace("uses: customer.kyc.persn", "uses: customer.kyc.person").replace(
        "steps:\n", "inputs:\n  resident_id: string\n  as_of: date\n  unused: integer\nsteps:\n")
    (tmp_path / "warn.yaml").write_text(text, encoding="utf-8")
    result = jimu_cmd("validate", "warn.yaml", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 0
    assert "warn.yaml:11:3: warning J603 input 'unused' is declared but nothing reads it" in result.stdout
    assert "1 file checked: 0 errors, 1 warning — ok" in result.stdout


def test_a_yaml_syntax_error_is_a_diagnostic(jimu_cmd, tmp_path):
    (tmp_path / "syntax.yaml").write_text("kind: product\nname: a: b\n", encoding="utf-8")
    result = jimu_cmd("validate", "syntax.yaml", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1
    assert result.stdout.startswith("syntax.yaml:2:8: error J101 YAML syntax: mapping values are not allowed")
    assert "hint: a value containing ': ' needs quotes" in result.stdout


def test_a_yaml_syntax_error_shows_the_source_line_and_caret(jimu_cmd, tmp_path):
    (tmp_path / "syntax.yaml").write_text("kind: product\nname: a: b\n", encoding="utf-8")
    result = jimu_cmd("validate", "syntax.yaml", cwd=tmp_path)
    assert "    name: a: b\n" + "    " + " " * 7 + "^\n" in result.stdout


def test_a_folder_is_searched_recursively(jimu_cmd, tmp_path, broken):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "clean.yml").write_text(PRODUCT.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an assembly", encoding="utf-8")
    result = jimu_cmd("validate", ".", "--json", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1
    assert {d["file"] for d in json.loads(result.stdout)} == {"broken.yaml"}
    text = jimu_cmd("validate", ".", cwd=tmp_path)
    assert "2 files checked: 1 error" in text.stdout


def test_a_path_that_does_not_exist_is_a_usage_error(jimu_cmd, tmp_path):
    result = jimu_cmd("validate", "no/such/path", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_no_assemblies_folder_is_a_usage_error(jimu_cmd, tmp_path):
    result = jimu_cmd("validate", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 2 and "no assemblies/ folder here" in result.stderr


def test_a_folder_without_yaml(jimu_cmd, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.md").write_text("# nothing", encoding="utf-8")
    result = jimu_cmd("validate", "empty", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1 and "no assembly files (*.yaml) under empty" in result.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02", b"\xff\xfe", "- [\n".encode(), "kind: product\n".encode(),
                                     "just text".encode(), b"\xef\xbb\xbfkind: composite\n"])
def test_odd_files_give_diagnostics_never_tracebacks(jimu_cmd, tmp_path, content):
    (tmp_path / "odd.yaml").write_bytes(content)
    result = jimu_cmd("validate", "odd.yaml", "--json", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1
    diagnostics = json.loads(result.stdout)
    assert diagnostics and all(DIAGNOSTIC_KEYS <= set(d) and d["line"] >= 1 and d["column"] >= 1 for d in diagnostics)


#: Found by fuzzing (TypeError: unhashable type, ValueError: 7 is not a valid Level); now regressions.
CRASHES = {
    "unhashable kind": BROKEN.replace("kind: product", "kind: [product]"),
    "unhashable input type": BROKEN.replace("steps:\n", "inputs:\n  resident_id: {type: []}\nsteps:\n"),
    "composite level 7": textwrap.dedent("""\
        kind: composite
        id: risk.outer
        version: 1.0.0
        level: 7
        name: Outer
        name_zh: 外
        owner: hq.risk-platform
        steps:
          - id: kyc
            uses: customer.kyc.person
        """),
}


@pytest.mark.parametrize("text", list(CRASHES.values()), ids=list(CRASHES))
def test_inputs_that_once_crashed_the_validator(jimu_cmd, tmp_path, text):
    (tmp_path / "crash.yaml").write_text(text, encoding="utf-8")
    result = jimu_cmd("validate", "crash.yaml", "--json", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1 and json.loads(result.stdout)


def test_a_local_composite_with_a_non_normalised_version(jimu_cmd, tmp_path):
    (tmp_path / "intake.yaml").write_text(
        COMPOSITE.read_text(encoding="utf-8").replace("version: 1.0.0", "version: 2.0.0-1", 1), encoding="utf-8")
    (tmp_path / "p.yaml").write_text(
        PRODUCT.read_text(encoding="utf-8").replace('version: "~=1.0"', 'version: ">=2"', 1), encoding="utf-8")
    result = jimu_cmd("validate", "intake.yaml", "p.yaml", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 0, result.stdout


# --------------------------------------------------------------------------- graph


@pytest.mark.parametrize("fmt,start", [("mermaid", "flowchart LR\n"), ("dot", 'digraph "beijing.haidian.identity_screening" {')])
def test_graph(jimu_cmd, fmt, start):
    result = jimu_cmd("graph", str(PRODUCT), "--format", fmt, cwd=ROOT)
    no_traceback(result)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(start)
    for word in ("intake", "eligibility", "risk.intake 1.0.0", "when steps.intake.identity_valid", "age, region_code"):
        assert word in result.stdout
    again = jimu_cmd("graph", str(PRODUCT), "--format", fmt, cwd=ROOT)
    assert again.stdout == result.stdout


def test_graph_defaults_to_mermaid(jimu_cmd):
    result = jimu_cmd("graph", str(PRODUCT), cwd=ROOT)
    assert result.returncode == 0 and result.stdout.startswith("flowchart LR")


def test_graph_of_a_file_with_errors_draws_and_exits_1(jimu_cmd, broken):
    result = jimu_cmd("graph", "broken.yaml", cwd=broken.parent)
    no_traceback(result)
    assert result.returncode == 1
    assert "broken.yaml:10:11: error J201 unknown capability 'customer.kyc.persn'" in result.stderr
    assert result.stdout.startswith("flowchart LR") and "n_kyc" in result.stdout


def test_graph_of_an_unreadable_file_exits_1_with_diagnostics_on_stderr(jimu_cmd, tmp_path):
    (tmp_path / "bad.yaml").write_text(BROKEN.replace("kind: product", "kind: prodcut"), encoding="utf-8")
    result = jimu_cmd("graph", "bad.yaml", "--format", "dot", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 1 and result.stdout == ""
    assert "bad.yaml:1:7: error J103 kind 'prodcut' is not product or composite" in result.stderr
    assert "cannot be drawn" in result.stderr


def test_graph_usage_errors(jimu_cmd, tmp_path):
    assert jimu_cmd("graph", "missing.yaml", cwd=tmp_path).returncode == 2
    assert jimu_cmd("graph", str(PRODUCT), "--format", "png", cwd=tmp_path).returncode == 2
    assert jimu_cmd("graph", ".", cwd=tmp_path).returncode == 2


# --------------------------------------------------------------------------- schema


def test_schema_prints_json(jimu_cmd):
    result = jimu_cmd("schema")
    no_traceback(result)
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/") and "$defs" in schema
    assert {"ProductAssembly", "CompositeAssembly", "Step"} <= set(schema["$defs"])


def test_schema_out_writes_the_file(jimu_cmd, tmp_path):
    result = jimu_cmd("schema", "--out", "tmp/x.json", cwd=tmp_path)
    no_traceback(result)
    assert result.returncode == 0 and result.stdout == "" and "wrote tmp/x.json" in result.stderr
    written = (tmp_path / "tmp" / "x.json").read_text(encoding="utf-8")
    assert json.loads(written) == json.loads(jimu_cmd("schema").stdout)
