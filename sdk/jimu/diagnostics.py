"""Diagnostics: what validation tells a branch developer, each with a stable code.

A diagnostic names the file, line and column of the offending YAML node, says what is wrong
and, where it can, how to fix it. Codes are registered here once and never reused for another
meaning; the reference page of codes is generated from this registry, and every code has a
broken example file under ``tests/`` that must produce it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class DiagnosticCode:
    code: str
    name: str
    severity: Severity
    summary: str


CODES: dict[str, DiagnosticCode] = {}


def register_code(code: str, name: str, severity: Severity, summary: str) -> DiagnosticCode:
    """Add a code to the registry; a code or name already taken is refused."""
    if code in CODES or any(c.name == name for c in CODES.values()):
        raise ValueError(f"diagnostic code {code} ({name}) is already registered")
    CODES[code] = DiagnosticCode(code, name, severity, summary)
    return CODES[code]


E, W = Severity.ERROR, Severity.WARNING
# J1xx: the file itself
YAML_SYNTAX = register_code("J101", "yaml-syntax", E, "The file is not YAML we accept (syntax, encoding, tags, duplicate keys).")
UNKNOWN_KEY = register_code("J102", "unknown-key", E, "A key the assembly format does not have.")
WRONG_TYPE = register_code("J103", "wrong-type", E, "A value of the wrong type or form.")
MISSING_KEY = register_code("J104", "missing-key", E, "A required key is missing.")
# J2xx: what the assembly refers to
UNKNOWN_CAPABILITY = register_code("J201", "unknown-capability", E, "No installed capability has this id.")
NO_MATCHING_VERSION = register_code("J202", "no-matching-version", E, "No installed version satisfies the specifier.")
DEPRECATED = register_code("J203", "deprecated", W, "The capability is deprecated; its successor and sunset date are given.")
RETIRED = register_code("J204", "retired", E, "The capability is retired and may no longer be used.")
NOT_ENTITLED = register_code("J205", "not-entitled", E, "The capability is not available to this branch.")
LEVEL_RULE = register_code("J206", "five-level-rule", E, "A composite uses a capability at its own level or above.")
CYCLE = register_code("J207", "cycle", E, "Composites or steps depend on each other in a cycle.")
BREAKING_MINOR = register_code("J208", "breaking-minor-release", W, "Two installed versions sharing a major version differ in a breaking way (`jimu diff` says how).")
# J3xx: data flow between steps
UNBOUND_INPUT = register_code("J301", "unbound-input", E, "A step's required input is bound to nothing.")
AMBIGUOUS_INPUT = register_code("J302", "ambiguous-input", E, "A step's input could come from more than one place.")
INCOMPATIBLE_TYPE = register_code("J303", "incompatible-type", E, "A binding's type does not fit the input it feeds.")
MAYBE_SKIPPED = register_code("J304", "maybe-skipped", E, "A step reads outputs of a step that may be skipped, without declaring them optional.")
UNKNOWN_REFERENCE = register_code("J305", "unknown-reference", E, "A binding names an input, step or output that does not exist.")
DUPLICATE_STEP = register_code("J306", "duplicate-step", E, "Two steps have the same id.")
# J4xx: expressions
EXPR_SYNTAX = register_code("J401", "expression-syntax", E, "An expression does not parse as CEL.")
EXPR_UNKNOWN_NAME = register_code("J402", "expression-unknown-name", E, "An expression names an input, step or field that is not declared.")
EXPR_TYPE = register_code("J403", "expression-type", E, "An expression's operand types do not fit.")
EXPR_FUNCTION = register_code("J404", "expression-function", E, "An expression calls a function that is not allowed.")
# J5xx: params
UNKNOWN_PARAM = register_code("J501", "unknown-param", E, "A param the capability does not have.")
PARAM_NOT_EXPOSED = register_code("J502", "param-not-exposed", E, "A param the composite does not expose to products.")
PARAM_OUT_OF_RANGE = register_code("J503", "param-out-of-range", E, "A param outside its technical range (the bounds its capability or composite declares).")
AUTHORITY_EXCEEDED = register_code("J504", "authority-exceeded", E, "A param outside the range HQ's authority table delegates to this branch (the rule is named).")
TIGHTEN_ONLY_LOOSENED = register_code("J505", "tighten-only-loosened", E, "A param HQ lets this branch only tighten is moved the looser way from HQ's default.")
NO_AUTHORITY = register_code("J506", "no-authority", E, "A branch overrides a param HQ governs but has delegated to no rule for this branch.")
AUTHORITY_EXPIRED = register_code("J507", "authority-expired", E, "The only rule delegating this param to the branch is not in force on the date checked.")
# J6xx: the product as a whole
NO_DECISION = register_code("J601", "no-decision", E, "A product declares no decision output.")
UNREACHABLE_STEP = register_code("J602", "unreachable-step", W, "A step whose outputs nothing reads.")
UNUSED_INPUT = register_code("J603", "unused-input", W, "A declared input that no step, expression or output reads.")
# J7xx: HQ's policies (mandatory controls added by plugins)
POLICY = register_code("J701", "policy", E, "A product breaks a policy HQ registered (the message names it).")
POLICY_SCREEN_BEFORE_SCORING = register_code("J702", "policy-screen-before-scoring", E, "A lending product scores or prices an applicant before (or without) KYC and anti-fraud.")
POLICY_BUREAU_CONSENT = register_code("J703", "policy-bureau-consent", E, "A product queries the credit bureau without a recorded consent check gating the query.")
# J8xx: locks (a product's lock file no longer matches what would run)
LOCK_UNREADABLE = register_code("J801", "lock-unreadable", E, "The product's lock file is not a lock this Jimu can read (broken JSON, another format or product).")
LOCK_VERSION_CHANGED = register_code("J802", "lock-version-changed", E, "A pinned capability, composite or Jimu resolves to another version or distribution than the lock says.")
LOCK_HASH_CHANGED = register_code("J803", "lock-hash-changed", E, "A pinned code file, data file or composite YAML has another sha256 than the lock (or than its RECORD).")
LOCK_BINDING_CHANGED = register_code("J804", "lock-binding-changed", E, "A step's capability, specifier, bindings or params differ from the lock.")
LOCK_REACH_CHANGED = register_code("J805", "lock-reach-changed", E, "The product now reaches a capability the lock lacks, or no longer reaches one it pins.")
LOCK_AUTHORITY_CHANGED = register_code("J806", "lock-authority-changed", E, "Another authority table is in force for the branch than the one locked.")
del E, W


def reference_table() -> str:
    """The Markdown table of every code, as docs/reference/diagnostics.md carries it (a test checks)."""
    rows = ["| code | name | severity | meaning |", "|---|---|---|---|"]
    rows += [f"| {c.code} | `{c.name}` | {c.severity.value} | {c.summary} |" for c in sorted(CODES.values(), key=lambda c: c.code)]
    return "\n".join(rows)


@dataclass(frozen=True, init=False)
class Diagnostic:
    """One finding: ``assemblies/x.yaml:12:7: J201 unknown capability 'risk.prescren'``."""

    code: str
    message: str
    file: str
    line: int
    column: int
    hint: str | None = None
    severity: Severity | None = None  # defaults to the code's

    def __init__(self, code: str, message: str, file: str, line: int, column: int, hint: str | None = None,
                 severity: Severity | str | None = None) -> None:
        # Written out rather than generated: a frozen dataclass's own __init__ sets each field
        # through object.__setattr__, and validating a large batch builds tens of thousands of
        # diagnostics (mostly J602 warnings). Filling the instance's dict is the same, cheaper.
        registered = CODES.get(code)
        if registered is None:
            raise ValueError(f"unregistered diagnostic code {code}")
        fields = self.__dict__
        fields["code"], fields["message"], fields["file"] = code, message, file
        fields["line"], fields["column"], fields["hint"] = line, column, hint
        fields["severity"] = registered.severity if severity is None else Severity(severity)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["name"] = CODES[self.code].name
        return data

    def render(self, source_line: str | None = None) -> str:
        """Compiler style: location, code and message; the source line with a caret; the hint."""
        lines = [f"{self.file}:{self.line}:{self.column}: {self.severity.value} {self.code} {self.message}"]
        if source_line is not None and source_line.strip():
            shown = source_line.expandtabs(1).rstrip()
            lines += [f"    {shown}", "    " + " " * max(self.column - 1, 0) + "^"]
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)
