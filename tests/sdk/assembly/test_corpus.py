"""The diagnostic corpus: for every registered code, broken assembly files and what they must produce.

Each case under ``corpus/`` is one ``.yaml`` file, or a directory of them validated together (for
faults that take more than one file, such as two local composites using each other). A file says
in the comment lines at its top what it must produce, one line per diagnostic::

    # expect: J201 line 14
    # expect: nothing          (a near miss: the file is clean)
    # xfail: <reason>          (a known validator bug; the expectations are what it should give)
    # schema: accepts|rejects  (read by test_schema.py, see corpus/README.md)

The comparison is exact: the multiset of (file name, code, line) the validator reports must equal
the expected one, so a missing diagnostic fails and so does an extra one (a cascade).
"""

from __future__ import annotations

import importlib
import json
import re
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import jimu
from jimu.assembly import validate_paths
from jimu.diagnostics import CODES
from jimu.lock import build_lock, check_locks, lock_path

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).resolve().parents[3]
PLUGINS = ["jimu-credit", "jimu-test-good", "jimu-test-nextgen"]

_EXPECT = re.compile(r"#\s*expect:\s*(J\d{3}) line (\d+)\s*$")
_NOTHING = re.compile(r"#\s*expect:\s*nothing\s*$")
_XFAIL = re.compile(r"#\s*xfail:\s*(.+?)\s*$")
_SCHEMA = re.compile(r"#\s*schema:\s*(accepts|rejects)\s*$")


@dataclass
class CorpusFile:
    path: Path
    expected: list[tuple[str, int]] = field(default_factory=list)  # (code, line)
    clean: bool = False  # "# expect: nothing"
    xfail: str | None = None
    schema: str | None = None  # "accepts" / "rejects" when the file overrides the rule


@dataclass
class Case:
    path: Path  # a .yaml file or a directory
    files: list[CorpusFile]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def expected(self) -> Counter:
        return Counter((f.path.name, code, line) for f in self.files for code, line in f.expected)

    @property
    def codes(self) -> set[str]:
        return {code for f in self.files for code, _ in f.expected}

    @property
    def xfail(self) -> str | None:
        return next((f.xfail for f in self.files if f.xfail), None)


def read_header(path: Path) -> CorpusFile:
    """The expectations stated in the comment lines at the top of ``path``."""
    result = CorpusFile(path)
    text = path.read_bytes().decode("utf-8", errors="replace")
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := _EXPECT.match(line):
            result.expected.append((m.group(1), int(m.group(2))))
        elif _NOTHING.match(line):
            result.clean = True
        elif m := _XFAIL.match(line):
            result.xfail = m.group(1)
        elif m := _SCHEMA.match(line):
            result.schema = m.group(1)
    return result


def corpus_cases() -> list[Case]:
    cases = []
    for entry in sorted(CORPUS.iterdir()):
        if entry.is_dir():
            cases.append(Case(entry, [read_header(p) for p in sorted(entry.glob("*.yaml"))]))
        elif entry.suffix == ".yaml":
            cases.append(Case(entry, [read_header(entry)]))
    return cases


CASES = corpus_cases()
MULTI = [c for c in CASES if c.name.startswith("multi-")]


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.fixture(scope="module")
def catalog(test_plugins_dir):
    """The installed plugins plus the test-only ``jimu-test-good``, loaded once for the module."""
    saved = list(sys.path)
    sys.path.insert(0, str(test_plugins_dir))
    importlib.invalidate_caches()
    try:
        loaded = jimu.load_catalog(allow=PLUGINS)
    finally:
        sys.path[:] = saved
        importlib.invalidate_caches()
    assert not [p for p in loaded.problems if p.severity == "error"], loaded.problems
    assert loaded.versions("acme.step.legacy_double"), "jimu-test-good is stale: reinstall the test plugins"
    return loaded


@pytest.fixture(scope="module")
def results(catalog, tmp_path_factory):
    """Every case validated once, its locks checked as `jimu validate` does: case name → its diagnostics."""
    found = {}
    for case in CASES:
        analyses = validate_paths([_with_locks(case, catalog, tmp_path_factory)], catalog=catalog)
        check_locks(analyses, catalog)
        found[case.name] = [d for a in analyses for d in a.diagnostics]
    return found


def _with_locks(case: Case, catalog, tmp_path_factory) -> Path:
    """A lock case (J8xx) validated from a copy: each ``X.lock-edit.json`` becomes ``X.lock.json``.

    A lock pins hashes of installed code, so it cannot be stored here; the edit file lists changes
    to a lock built fresh for ``X.yaml``: ``[{"path": ["steps", "kyc", "specifier"], "value": "~=2"}]``,
    a list element picked by ``"id=…"``, no ``value`` to delete. A stored ``X.lock.json`` is used as is.
    """
    if not case.path.is_dir() or not any(case.path.glob("*.lock*.json")):
        return case.path
    copy = tmp_path_factory.mktemp("lock-case") / case.name
    shutil.copytree(case.path, copy)
    for edit in sorted(copy.glob("*.lock-edit.json")):
        product = copy / edit.name.replace(".lock-edit.json", ".yaml")
        (analysis,) = validate_paths([product], catalog=catalog)
        data = json.loads(build_lock(analysis, catalog).lock.dumps())
        for change in json.loads(edit.read_text(encoding="utf-8")):
            *parents, last = change["path"]
            node = data
            for part in parents:
                node = _child(node, part)
            if "value" in change:
                node[_index(node, last)] = change["value"]
            else:
                del node[_index(node, last)]
        lock_path(product).write_text(json.dumps(data, indent=2), encoding="utf-8")
        edit.unlink()
    return copy


def _index(node, part):
    if isinstance(node, list) and isinstance(part, str) and part.startswith("id="):
        return next(i for i, item in enumerate(node) if item.get("id") == part[3:])
    return part


def _child(node, part):
    return node[_index(node, part)]


def _found(diagnostics) -> Counter:
    return Counter((Path(d.file).name, d.code, d.line) for d in diagnostics)


def _explain(case: Case, diagnostics) -> str:
    got = _found(diagnostics)
    want = case.expected
    lines = [f"{case.name}: the diagnostics differ from the file's '# expect:' lines"]
    lines += [f"  missing: {f} {c} line {n}" for (f, c, n) in sorted((want - got).elements())]
    lines += [f"  extra:   {f} {c} line {n}" for (f, c, n) in sorted((got - want).elements())]
    lines += ["  reported:"] + [f"    {d.file}:{d.line}:{d.column}: {d.code} {d.message}" for d in diagnostics]
    return "\n".join(lines)


# -- the corpus itself is well formed ------------------------------------------------------------


def test_every_corpus_file_states_its_expectations():
    problems = []
    for case in CASES:
        if not case.files:
            problems.append(f"{case.name}: a case directory without .yaml files")
        for f in case.files:
            where = f.path.relative_to(CORPUS)
            if f.clean == bool(f.expected):
                problems.append(f"{where}: needs either '# expect: Jnnn line N' lines or '# expect: nothing'")
            unknown = {code for code, _ in f.expected} - set(CODES)
            if unknown:
                problems.append(f"{where}: unregistered codes {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def test_case_names_start_with_a_code_they_produce():
    """``J201-unknown-capability.yaml`` must expect J201; near misses are ``ok-…``, several faults ``multi-…``."""
    wrong = []
    for case in CASES:
        prefix = case.name.split("-", 1)[0]
        if prefix == "ok":
            if case.expected:
                wrong.append(f"{case.name}: an ok- case must expect nothing")
        elif prefix == "multi":
            pass
        elif prefix not in case.codes:
            wrong.append(f"{case.name}: named after {prefix} but does not expect it")
    assert not wrong, "\n".join(wrong)


def test_every_code_has_a_corpus_case():
    """Every registered code is produced by at least one case that passes (an xfail case does not count)."""
    covered = {code for case in CASES if not case.xfail for code in case.codes}
    missing = sorted(set(CODES) - covered)
    assert not missing, f"diagnostic codes without a corpus case under {CORPUS}: {', '.join(missing)}"


# -- the validator against the corpus ------------------------------------------------------------


def _emitter_missing(case: Case, catalog) -> str | None:
    """Why a case cannot be checked against this catalog (J701 needs a policy that a plugin registers)."""
    if "J701" in case.codes and not catalog.policies:
        return "no policy is registered in the catalog (jimu-credit registers none), so nothing can produce J701"
    return None


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_corpus_case(case: Case, results, catalog):
    if reason := _emitter_missing(case, catalog):
        pytest.skip(reason)
    diagnostics = results[case.name]
    assert _found(diagnostics) == case.expected, _explain(case, diagnostics)


def test_multi_fault_files_give_one_diagnostic_per_fault(results):
    """Several independent faults in different parts of one file: exactly one diagnostic each."""
    assert len(MULTI) >= 3, "the corpus needs at least three multi-fault files (multi-*.yaml)"
    for case in MULTI:
        (f,) = case.files
        assert len(f.expected) >= 3, f"{case.name}: a multi-fault file has at least three faults"
        lines = [line for _, line in f.expected]
        assert len(set(lines)) == len(lines), f"{case.name}: put each fault on its own line"
        diagnostics = results[case.name]
        assert len(diagnostics) == len(f.expected), _explain(case, diagnostics)
        assert _found(diagnostics) == case.expected, _explain(case, diagnostics)


def test_near_misses_are_clean(results):
    near = [c for c in CASES if c.name.startswith("ok-")]
    assert len(near) >= 4
    for case in near:
        assert results[case.name] == [], _explain(case, results[case.name])


def test_every_diagnostic_names_what_is_at_fault(results):
    """A message (and a hint where there is one) in words, at a real position in the file."""
    bad = []
    for case in CASES:
        if case.xfail:
            continue  # known bugs, some of them about positions
        for d in results[case.name]:
            where = f"{case.name}: {d.file}:{d.line}:{d.column} {d.code}"
            if not d.message or not d.message.strip():
                bad.append(f"{where}: empty message")
            if d.hint is not None and not d.hint.strip():
                bad.append(f"{where}: empty hint")
            if d.line < 1 or d.column < 1:
                bad.append(f"{where}: position before the start of the file")
                continue
            path = Path(d.file)
            lines = (path if path.is_absolute() else ROOT / path).read_text(encoding="utf-8").splitlines()
            if d.line > len(lines):
                bad.append(f"{where}: line past the end of the file")
            elif d.code != "J101" and d.column > len(lines[d.line - 1]):
                bad.append(f"{where}: column past the end of its line")
            if d.severity is not CODES[d.code].severity:
                bad.append(f"{where}: severity {d.severity} differs from the registry's")
    assert not bad, "\n".join(bad)


def test_messages_read_as_plain_english(results):
    doubled = re.compile(r"\b(a|an|the|is|of|to)\s+\1\b", re.IGNORECASE)
    found = [f"{case.name}: {d.message}" for case in CASES for d in results[case.name] if doubled.search(d.message)]
    assert not found, "\n".join(found)


def test_warnings_alone_do_not_fail(results):
    """J203, J602 and J603 are warnings: a file with only those is still valid."""
    for name in ("J203-deprecated-capability.yaml", "J602-unread-step.yaml", "J603-unused-input.yaml"):
        diagnostics = results[name]
        assert diagnostics and not any(d.is_error for d in diagnostics), name


# -- the same cases through the command line -----------------------------------------------------


CLI_CASES = ["J201-unknown-capability.yaml", "J205-not-entitled.yaml", "J503-param-below-minimum.yaml",
             "multi-steps-and-result.yaml"]


@pytest.fixture
def cli_env(monkeypatch):
    monkeypatch.setenv("JIMU_PLUGINS_ALLOW", ",".join(PLUGINS))
    monkeypatch.delenv("JIMU_PLUGINS_BLOCK", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_json_gives_the_corpus_diagnostics(name, jimu_cmd, test_plugins_dir, cli_env):
    case = next(c for c in CASES if c.name == name)
    done = jimu_cmd("validate", str(case.path), "--json", extra_path=test_plugins_dir, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert isinstance(data, list) and data
    for item in data:
        assert {"code", "severity", "message", "file", "line", "column", "hint"} <= set(item), item
        assert item["severity"] == CODES[item["code"]].severity.value
        assert isinstance(item["line"], int) and isinstance(item["column"], int)
        assert item["file"] == str(case.path.relative_to(ROOT))
    assert Counter((Path(i["file"]).name, i["code"], i["line"]) for i in data) == case.expected


@pytest.mark.parametrize("name", CLI_CASES[:3])
def test_cli_text_is_compiler_style_with_caret(name, jimu_cmd, test_plugins_dir, cli_env):
    case = next(c for c in CASES if c.name == name)
    (code, line), = case.files[0].expected
    relative = str(case.path.relative_to(ROOT))
    done = jimu_cmd("validate", relative, extra_path=test_plugins_dir, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    out = done.stdout.splitlines()
    head = re.compile(rf"^{re.escape(relative)}:{line}:(\d+): error {code} \S.*$")
    at = next(i for i, text in enumerate(out) if head.match(text))
    column = int(head.match(out[at]).group(1))
    source = case.path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert out[at + 1] == "    " + source.rstrip()
    assert out[at + 2] == "    " + " " * (column - 1) + "^"
    assert source[column - 1 :].strip(), "the caret points at text, not past the end of the line"
    assert out[at + 3].startswith("    hint: ")
    assert re.search(r"1 file checked: 1 error, 0 warnings — failed$", done.stdout.strip())


def test_cli_clean_directory_case_exits_zero(jimu_cmd, test_plugins_dir, cli_env):
    done = jimu_cmd("validate", str(CORPUS / "ok-local-composite-used-by-product"), "--json",
                    extra_path=test_plugins_dir, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == []
