"""The assembly JSON Schema: committed, current, valid, and in agreement with the validator.

Editors check assembly files against ``schema/assembly.schema.json`` as one types (each file's
first line points at it). It must accept every real assembly and composite, and reject the corpus
files whose fault is one of shape (J102 unknown key, J103 wrong type or form, J104 missing key);
files whose faults the schema cannot see (J2xx-J6xx: what names refer to, types across steps,
expressions) must pass it. A corpus file overrides the rule with ``# schema: accepts`` or
``# schema: rejects`` (see corpus/README.md).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from jimu.assembly.schema import SCHEMA_PATH, schema_text
from jimu.assembly.model import SCHEMA_COMMENT
from jimu.yamlfile import load_yaml_file

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_FILE = ROOT / SCHEMA_PATH
CORPUS = Path(__file__).parent / "corpus"
SHAPE_CODES = {"J102", "J103", "J104"}

ASSEMBLIES = sorted(p for p in (ROOT / "assemblies").rglob("*") if p.suffix in (".yaml", ".yml"))
COMPOSITES = sorted((ROOT / "capabilities" / "jimu_credit" / "composites").glob("*.yaml"))
CORPUS_FILES = sorted(CORPUS.rglob("*.yaml"))


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def as_json(value):
    """YAML values as JSON has them: dates and datetimes become ISO strings, as an editor sees them."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def _errors(validator: Draft202012Validator, path: Path) -> list[str]:
    data = as_json(load_yaml_file(path).data)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}"
            for e in validator.iter_errors(data)]


# -- the schema file ---------------------------------------------------------------------------


def test_committed_schema_is_current():
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert committed == schema_text(), (
        f"{SCHEMA_PATH} is stale (the assembly models changed since it was written): "
        f"run `jimu schema --out {SCHEMA_PATH}` and commit the result"
    )


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    kinds = {schema["$defs"][name]["properties"]["kind"]["const"] for name in ("ProductAssembly", "CompositeAssembly")}
    assert kinds == {"product", "composite"}


# -- real files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ASSEMBLIES + COMPOSITES, ids=_id)
def test_schema_accepts_every_assembly_and_composite(path, validator):
    assert ASSEMBLIES, "no assemblies found under assemblies/"
    errors = _errors(validator, path)
    assert not errors, f"{_id(path)} is rejected by {SCHEMA_PATH}:\n" + "\n".join(errors)


@pytest.mark.parametrize("path", ASSEMBLIES + COMPOSITES, ids=_id)
def test_first_line_points_editors_at_the_schema(path):
    first = path.read_text(encoding="utf-8").splitlines()[0] if path.stat().st_size else ""
    assert first.startswith(SCHEMA_COMMENT), (
        f"{_id(path)}: the first line must be `{SCHEMA_COMMENT}<relative path to {SCHEMA_PATH}>`, "
        f"got {first!r}"
    )
    relative = first[len(SCHEMA_COMMENT):].strip()
    assert not Path(relative).is_absolute() and "://" not in relative, f"{_id(path)}: use a relative path"
    assert (path.parent / relative).resolve() == SCHEMA_FILE.resolve(), (
        f"{_id(path)}: {relative} does not resolve to {SCHEMA_PATH}"
    )


# -- the corpus ----------------------------------------------------------------------------------


def corpus_expectation(path: Path) -> tuple[set[str], str | None]:
    """The codes a corpus file expects and its ``# schema:`` override, from its top comment lines."""
    codes, override = set(), None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        if m := re.match(r"#\s*expect:\s*(J\d{3}) line \d+", line):
            codes.add(m.group(1))
        elif m := re.match(r"#\s*schema:\s*(accepts|rejects)\s*$", line):
            override = m.group(1)
    return codes, override


def _corpus_id(path: Path) -> str:
    return str(path.relative_to(CORPUS))


@pytest.mark.parametrize("path", CORPUS_FILES, ids=_corpus_id)
def test_schema_agrees_with_the_corpus(path, validator):
    codes, override = corpus_expectation(path)
    if "J101" in codes:
        pytest.skip("J101: not YAML the schema could be applied to")
    should_reject = override == "rejects" if override else bool(codes & SHAPE_CODES)
    errors = _errors(validator, path)
    why = f"# schema: {override}" if override else f"expects {', '.join(sorted(codes)) or 'nothing'}"
    if should_reject:
        assert errors, f"{_corpus_id(path)} ({why}) should be rejected by the schema, but it is accepted"
    else:
        assert not errors, (f"{_corpus_id(path)} ({why}) should be accepted by the schema, but:\n"
                            + "\n".join(errors))


def test_corpus_overrides_are_needed():
    """A ``# schema:`` line only where the rule (shape codes → rejected) would give the wrong answer."""
    needless = []
    for path in CORPUS_FILES:
        codes, override = corpus_expectation(path)
        if override and (override == "rejects") == bool(codes & SHAPE_CODES):
            needless.append(_corpus_id(path))
    assert not needless, f"these files say what the rule says already: {needless}"


def test_corpus_covers_both_verdicts(validator):
    """The corpus has schema errors of every shape code, and semantic-only files the schema passes."""
    shapes = set()
    for path in CORPUS_FILES:
        codes, override = corpus_expectation(path)
        if override is None:
            shapes |= codes & SHAPE_CODES
    assert shapes == SHAPE_CODES
