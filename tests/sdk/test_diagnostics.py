import pytest

from jimu.diagnostics import CODES, Diagnostic, Severity, register_code


def test_codes_are_unique_stable_and_summarised():
    assert len({c.name for c in CODES.values()}) == len(CODES)
    assert all(code.startswith("J") and len(code) == 4 for code in CODES)
    assert all(c.summary.endswith(".") for c in CODES.values())
    with pytest.raises(ValueError, match="already registered"):
        register_code("J101", "something-else", Severity.ERROR, "Again.")


def test_severity_defaults_to_the_codes():
    assert Diagnostic("J203", "deprecated", "a.yaml", 1, 1).severity is Severity.WARNING
    assert Diagnostic("J201", "unknown", "a.yaml", 1, 1).is_error
    with pytest.raises(ValueError, match="unregistered"):
        Diagnostic("J999", "x", "a.yaml", 1, 1)


def test_renders_like_a_compiler_with_caret_and_hint():
    d = Diagnostic("J201", "unknown capability 'risk.prescren'", "assemblies/p.yaml", 7, 11,
                   hint="did you mean 'risk.prescreen'?")
    assert d.render("    uses: risk.prescren") == (
        "assemblies/p.yaml:7:11: error J201 unknown capability 'risk.prescren'\n"
        "        uses: risk.prescren\n"
        "              ^\n"
        "    hint: did you mean 'risk.prescreen'?"
    )
    assert d.to_json() == {
        "code": "J201", "name": "unknown-capability", "severity": "error",
        "message": "unknown capability 'risk.prescren'", "file": "assemblies/p.yaml",
        "line": 7, "column": 11, "hint": "did you mean 'risk.prescreen'?",
    }
