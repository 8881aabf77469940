"""Property: validation never raises, and every failing run says why with an error diagnostic.

DESIGN.md, "Validation": no input, however malformed, produces a traceback. The examples are
arbitrary text and bytes, arbitrary YAML documents, and mutations of the two valid assemblies
shipped with the repository (the Haidian product and HQ's ``risk.intake`` composite). Each goes
through the loader and the validator in-process; a few go through the real command line.

``JIMU_FUZZ_EXAMPLES=N`` runs N examples per in-process property (e.g. 5000 for a long local run),
``JIMU_FUZZ_CLI_EXAMPLES=N`` N through the command line; ``JIMU_FUZZ_STRICT=1`` stops tolerating
the known bugs listed in ``KNOWN_BUGS`` (each shown by a strict xfail test).
"""

from __future__ import annotations

import json
import os
import re
import traceback
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jimu
from jimu.assembly import load_file
from jimu.assembly.validate import Validator
from jimu.diagnostics import CODES, Severity

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ROOT / "assemblies" / "beijing" / "haidian_identity_screening.yaml"
COMPOSITE = ROOT / "capabilities" / "jimu_credit" / "composites" / "risk_intake.yaml"
SEEDS = {"product": PRODUCT.read_text(encoding="utf-8"), "composite": COMPOSITE.read_text(encoding="utf-8")}


def examples(n: int) -> int:
    """``n`` examples by default; JIMU_FUZZ_EXAMPLES=N runs N per property instead."""
    given_ = os.environ.get("JIMU_FUZZ_EXAMPLES")
    return int(given_) if given_ else n


FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def catalog():
    return jimu.load_catalog()  # the installed plugins only


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


#: Exceptions the fuzzing found, each shown by a strict xfail test elsewhere: (the innermost Jimu function,
#: exception type, message pattern, the test). They are tolerated here so that the properties keep
#: looking for *other* failures; JIMU_FUZZ_STRICT=1 tolerates nothing.
KNOWN_BUGS: list[tuple[str, type, str, str]] = []  # none open
# Fixed: KeyError from resolve (a local composite with a non-normalised version such as 2.0.0-1).
# Fixed while these tests were written, now asserted like any other failure: TypeError "unhashable
# type" from load_file (`kind: [product]`) and _declared_inputs (`type: []`), and ValueError "7 is
# not a valid Level" from resolve_step (a composite `level: 7`).
STRICT = bool(os.environ.get("JIMU_FUZZ_STRICT"))


def known_bug(exc: BaseException) -> str | None:
    """The test that shows ``exc``, when it is one of the known bugs."""
    if STRICT:
        return None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f"{os.sep}jimu{os.sep}" in f.filename]
    function = frames[-1].name if frames else None
    for name, kind, pattern, test in KNOWN_BUGS:
        if function == name and isinstance(exc, kind) and re.search(pattern, str(exc)):
            return test
    return None


def known_cli_bug(stderr: str) -> bool:
    if STRICT:
        return False
    return any(re.search(rf"internal error: {kind.__name__}: {pattern}", stderr) for _, kind, pattern, _ in KNOWN_BUGS)


def check_files(catalog, paths: list[Path]) -> list:
    """Load and validate ``paths`` together; assert the property for each file; return the diagnostics."""
    try:
        files = [load_file(path) for path in paths]
        analyses = Validator(catalog, files).validate_all(files)  # must not raise
    except Exception as exc:
        if known_bug(exc):
            return []
        raise
    assert [a.file for a in analyses[: len(files)]] == files
    diagnostics = []
    for analysis in analyses:
        failed = analysis.file.model is None or not analysis.ok
        if failed:
            assert any(d.severity is Severity.ERROR for d in analysis.diagnostics), \
                f"{analysis.file.display}: a failing file without an error diagnostic"
        for d in analysis.diagnostics:
            assert d.code in CODES, d
            assert d.line >= 1 and d.column >= 1, d
            assert isinstance(d.message, str) and d.message, d
        diagnostics += analysis.diagnostics
    return diagnostics


def check_file(catalog, path: Path) -> list:
    return check_files(catalog, [path])


def write(workdir: Path, content: str | bytes, name: str = "case.yaml") -> Path:
    path = workdir / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


# --------------------------------------------------------------------------- strategies

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20), st.dates(),
)
yaml_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers(), st.booleans()), inner, max_size=4),
    ),
    max_leaves=25,
)
#: YAML built around the format's real keys, so that more of it gets past the shape check.
KEYS = ["kind", "id", "version", "branch", "name", "name_zh", "owner", "inputs", "steps", "decision", "outputs",
        "level", "lifecycle", "exposes", "uses", "with", "when", "params", "on_error", "type", "optional", "path",
        "minimum", "maximum"]
assembly_like = st.fixed_dictionaries(
    {"kind": st.sampled_from(["product", "composite", "other"])},
    optional={k: yaml_values for k in KEYS[1:]},
)
expression_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="steps.intake.kyc.age()inputs&|!=<>'\"?[]{}0123456789 +-*/,:has_", max_size=40),
    st.sampled_from(["steps.intake.age?", "has(steps.intake.age)", "steps..age", "steps.intake.decision",
                     "inputs.resident_id", "steps.kyc", "steps", "inputs", "1 +", "size()", "has(inputs)",
                     "steps.intake.age > 1.5", "[1, 2][5]", "{'a': 1}", "steps.intake.age ? 1 : 2",
                     "steps.eligibility.decision", "steps.card.last4?", "int(steps.intake.age) + 1"]),
)
any_value = st.one_of(st.integers(-2, 8), scalars, st.lists(scalars, max_size=3),
                      st.dictionaries(st.text(max_size=5), scalars, max_size=3))
#: Installed ids of every level (a domain, L3 composite, L4 and L5 capabilities), and some that are not.
CAPABILITY_IDS = ["risk", "risk.intake", "customer.kyc.person", "customer.kyc.card", "customer.kyc.org",
                  "risk.admission.eligibility", "customer.step.resident_id_checksum", "customer.step.bank_card_luhn",
                  "risk.intak", "no.such.thing"]
SPECIFIERS = ["", "~=1.0", "==9.0.0", ">=1.0,<2", "<0.1", "===1.0.0", "~=1.1", ">=1.0.0rc1"]


def _paths(data, path=()):
    yield path, data
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, (*path, i))


def _get(data, path):
    for part in path:
        data = data[part]
    return data


EXPRESSION_KEYS = ("with", "when", "decision", "outputs")


@st.composite
def mutated(draw, kinds: tuple[str, ...] = tuple(sorted(SEEDS))) -> str:
    """One of the valid assemblies with one to three mutations applied."""
    text = SEEDS[draw(st.sampled_from(kinds))]
    for _ in range(draw(st.integers(1, 3))):
        text = draw(st.sampled_from(MUTATIONS))(draw, text)
    return text


def _data_mutation(change):
    def mutation(draw, text):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError:
            return text
        if not isinstance(data, (dict, list)):
            return text
        data = change(draw, data)
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    return mutation


def _delete_key(draw, data):
    keys = [p for p, _ in _paths(data) if p and not isinstance(p[-1], int)]
    if keys:
        path = draw(st.sampled_from(keys))
        del _get(data, path[:-1])[path[-1]]
    return data


def _change_scalar(draw, data):
    leaves = [p for p, v in _paths(data) if p and not isinstance(v, (dict, list))]
    if leaves:
        path = draw(st.sampled_from(leaves))
        _get(data, path[:-1])[path[-1]] = draw(any_value)
    return data


def _swap_steps(draw, data):
    steps = data.get("steps") if isinstance(data, dict) else None
    if isinstance(steps, list) and len(steps) >= 2:
        i, j = draw(st.permutations(range(len(steps))))[:2]
        steps[i], steps[j] = steps[j], steps[i]
    return data


def _rename_step(draw, data):
    steps = data.get("steps") if isinstance(data, dict) else None
    if isinstance(steps, list) and steps and isinstance(steps[0], dict):
        step = draw(st.sampled_from([s for s in steps if isinstance(s, dict)]))
        others = [s.get("id") for s in steps if isinstance(s, dict) and s is not step]
        step["id"] = draw(st.one_of(st.from_regex(r"\A[a-z][a-z0-9_]{0,8}\Z"), st.text(max_size=10),
                                    st.sampled_from(others or ["x"]), any_value))
    return data


def _replace_expression(draw, data):
    spots = [p for p, v in _paths(data) if isinstance(v, str) and p and any(k in p for k in EXPRESSION_KEYS)]
    if spots:
        path = draw(st.sampled_from(spots))
        _get(data, path[:-1])[path[-1]] = draw(expression_text)
    return data


def _change_uses(draw, data):
    steps = data.get("steps") if isinstance(data, dict) else None
    if isinstance(steps, list) and steps and isinstance(steps[0], dict):
        step = draw(st.sampled_from([s for s in steps if isinstance(s, dict)]))
        step["uses"] = draw(st.sampled_from(CAPABILITY_IDS))
        if draw(st.booleans()):
            step["version"] = draw(st.sampled_from(SPECIFIERS))
    return data


def _set_param(draw, data):
    steps = data.get("steps") if isinstance(data, dict) else None
    if isinstance(steps, list) and steps and isinstance(steps[0], dict):
        step = draw(st.sampled_from([s for s in steps if isinstance(s, dict)]))
        name = draw(st.sampled_from(["accept_legacy_15", "min_age", "max_age", "excluded_regions", "kyc.accept_legacy_15",
                                     "nope"]))
        step["params"] = {**(step.get("params") if isinstance(step.get("params"), dict) else {}), name: draw(any_value)}
    return data


def _change_version(draw, data):
    if isinstance(data, dict):
        data["version"] = draw(st.sampled_from(["1.0.0", "9.0.0", "2.0.0-1", "01.0.0", "1.0.0rc1", "1.0", "1.0.0.0"]))
    return data


def _duplicate_key_line(draw, text):
    lines = text.splitlines(keepends=True)
    keyed = [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith("#")]
    if keyed:
        i = draw(st.sampled_from(keyed))
        lines.insert(i + 1, lines[i] if lines[i].endswith("\n") else lines[i] + "\n")
    return "".join(lines)


def _truncate(draw, text):
    return text[: draw(st.integers(0, len(text)))]


def _insert_char(draw, text):
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(st.characters(blacklist_categories=("Cs",))) + text[at:]


def _delete_line(draw, text):
    lines = text.splitlines(keepends=True)
    if lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
    return "".join(lines)


MUTATIONS = [
    _data_mutation(_delete_key), _data_mutation(_change_scalar), _data_mutation(_swap_steps),
    _data_mutation(_rename_step), _data_mutation(_replace_expression), _data_mutation(_change_uses),
    _data_mutation(_set_param), _data_mutation(_change_version),
    _duplicate_key_line, _truncate, _insert_char, _delete_line,
]


# --------------------------------------------------------------------------- the seeds are valid


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_the_seeds_validate_clean(catalog, workdir, kind):
    assert check_file(catalog, write(workdir, SEEDS[kind], f"seed_{kind}.yaml")) == []


# --------------------------------------------------------------------------- in-process properties


@settings(max_examples=examples(300), **FUZZ)
@given(text=st.text())
def test_arbitrary_text(catalog, workdir, text):
    check_file(catalog, write(workdir, text))


@settings(max_examples=examples(200), **FUZZ)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes(catalog, workdir, data):
    check_file(catalog, write(workdir, data))


@settings(max_examples=examples(300), **FUZZ)
@given(document=st.one_of(yaml_values, assembly_like))
def test_arbitrary_yaml(catalog, workdir, document):
    check_file(catalog, write(workdir, yaml.safe_dump(document, allow_unicode=True)))


@settings(max_examples=examples(1200), **FUZZ)
@given(text=mutated())
def test_mutated_assemblies(catalog, workdir, text):
    check_file(catalog, write(workdir, text))


@settings(max_examples=examples(200), **FUZZ)
@given(composite=mutated(("composite",)), product=st.one_of(st.just(SEEDS["product"]), mutated(("product",))))
def test_a_mutated_local_composite_with_a_product(catalog, workdir, composite, product):
    check_files(catalog, [write(workdir, composite, "local_composite.yaml"), write(workdir, product, "product.yaml")])


# --------------------------------------------------------------------------- the real command line


@settings(max_examples=int(os.environ.get("JIMU_FUZZ_CLI_EXAMPLES", "15")), **FUZZ)
@given(content=st.one_of(mutated(), st.text(max_size=200), st.binary(max_size=100).map(bytes)))
def test_cli_exits_0_or_1_with_diagnostics(jimu_cmd, workdir, content):
    path = write(workdir, content, "cli_case.yaml")
    result = jimu_cmd("validate", str(path), "--json")
    assert result.returncode in (0, 1), result.stderr
    if known_cli_bug(result.stderr):
        return
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    diagnostics = json.loads(result.stdout)
    if result.returncode == 1:
        assert any(d["severity"] == "error" for d in diagnostics), result.stdout
    else:
        assert not any(d["severity"] == "error" for d in diagnostics), result.stdout
