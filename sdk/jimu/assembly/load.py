"""Reading an assembly file: YAML with positions, then the format's models, errors mapped to lines.

Every problem becomes a :class:`~jimu.diagnostics.Diagnostic` with the file, line and column of
the offending node, in one pass (pydantic collects every error of a model; we translate each).
Where the file's shape is broken in one step, the other steps are still read, so that the
validator can go on and report their independent faults too.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import diagnostics as dx
from ..diagnostics import Diagnostic
from ..yamlfile import Position, YamlDocument, YamlError, load_yaml, load_yaml_bytes
from ..contracts import Lifecycle
from .model import CompositeAssembly, Exposed, InputField, ProductAssembly, Step

MODELS: dict[str, type[ProductAssembly] | type[CompositeAssembly]] = {"product": ProductAssembly, "composite": CompositeAssembly}

# What a branch developer is told for pydantic's error types (rendercv's idea: plain words).
_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (key: value lines)",
    "list_type": "a list (- item lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}


@dataclass
class LoadedFile:
    """One assembly file as read: its text and positions, its model when the shape is valid."""

    path: Path
    display: str  # the path as printed in diagnostics
    doc: YamlDocument | None = None
    model: ProductAssembly | CompositeAssembly | None = None
    raw: dict[str, Any] | None = None
    #: steps whose shape is valid, by index (the validator checks these when ``model`` is None)
    steps: dict[int, Step] = field(default_factory=dict)
    #: ids of steps whose shape is broken (references to them are not reported again)
    broken_steps: set[str] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    text: str = ""  # the file's text as far as it could be decoded

    @property
    def kind(self) -> str | None:
        kind = self.raw.get("kind") if isinstance(self.raw, dict) else None
        return kind if isinstance(kind, str) else None

    def line_text(self, line: int) -> str:
        """The source line, even when the YAML did not parse (for the caret under a J101)."""
        if self.doc is not None:
            return self.doc.line_text(line)
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def at(self, path: tuple, *, key: bool = False) -> Position:
        return self.doc.position(path, key=key) if self.doc else Position(1, 1)

    def report(self, code: dx.DiagnosticCode, message: str, path: tuple = (), *, key: bool = False,
               hint: str | None = None, position: Position | None = None, severity=None) -> Diagnostic:
        where = position or self.at(path, key=key)
        diagnostic = Diagnostic(code.code, message, self.display, where.line, where.column, hint, severity)
        self.diagnostics.append(diagnostic)
        return diagnostic


def display_path(path: Path) -> str:
    try:
        return str(_resolved(path).relative_to(_resolved_dir(os.getcwd())))
    except ValueError:
        return str(path)


def _resolved(path: Path) -> Path:
    """``path.resolve()``, resolving each directory once: a thousand files in one folder would
    otherwise walk (lstat) the same parents a thousand times."""
    if ".." in path.parts or path.name in ("", ".") or path.is_symlink():
        return path.resolve()  # (abspath would undo a ``..`` lexically, not as resolve does)
    return _resolved_dir(os.path.abspath(path.parent)) / path.name


@lru_cache(maxsize=256)
def _resolved_dir(folder: str) -> Path:
    """An absolute folder, resolved (a folder relinked while one process validates is no case to serve)."""
    return Path(folder).resolve()


def load_file(path: Path, display: str | None = None, text: str | None = None) -> LoadedFile:
    """Read ``path`` (or ``text`` as its content): YAML, then shape. Never raises for bad input."""
    path = Path(path)
    loaded = LoadedFile(path, display or display_path(path))
    try:
        if text is not None:
            loaded.text = text
            loaded.doc = load_yaml(text)
        else:  # the bytes read once: for the text diagnostics quote and for the parser
            raw = _read_bytes(path, loaded)
            loaded.doc = load_yaml_bytes(raw)
    except YamlError as exc:
        loaded.report(dx.YAML_SYNTAX, exc.message, hint=exc.hint, position=exc.position)
        return loaded
    except OSError as exc:
        loaded.report(dx.YAML_SYNTAX, f"cannot read the file: {exc.strerror or exc}")
        return loaded
    data = loaded.doc.data
    if not isinstance(data, dict):
        what = "empty" if data is None else _shape(data)
        loaded.report(dx.WRONG_TYPE, f"an assembly is a mapping of keys (kind, id, steps…), but this file is {what}",
                      hint="start from an example under assemblies/ or run `jimu new product`")
        return loaded
    loaded.raw = data
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in MODELS:
        if "kind" not in data:
            loaded.report(dx.MISSING_KEY, "missing key 'kind'", hint="add `kind: product` (or `kind: composite` for HQ)")
        else:
            loaded.report(dx.WRONG_TYPE, f"kind {kind!r} is not product or composite", ("kind",),
                          hint=_did_you_mean(str(kind), MODELS)
                          or "kind: product (a branch's product) or kind: composite (HQ's assembled capability)")
        return loaded
    model = MODELS[kind]
    try:
        loaded.model = model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            _translate(loaded, model, error)
    if loaded.model is not None:
        loaded.steps = dict(enumerate(loaded.model.steps))
    else:
        _salvage_steps(loaded, data.get("steps"))
    return loaded


def _read_bytes(path: Path, loaded: LoadedFile) -> bytes:
    """The file's bytes; its text as far as it decodes goes to ``loaded.text`` (OSError: raised, text empty)."""
    raw = path.read_bytes()
    loaded.text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return raw


def _salvage_steps(loaded: LoadedFile, steps: Any) -> None:
    if not isinstance(steps, list):
        return
    for index, raw in enumerate(steps):
        try:
            loaded.steps[index] = Step.model_validate(raw)
        except ValidationError:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                loaded.broken_steps.add(raw["id"])


def _translate(loaded: LoadedFile, model: type[BaseModel], error: dict) -> None:
    """One pydantic error as a diagnostic at the node it is about."""
    loc = tuple(error["loc"])
    kind = error["type"]
    where = _describe(loc)
    value = error.get("input")
    if loc and loc[-1] == "[key]":  # a mapping key of the wrong form: point at the key itself
        loc = loc[:-1]
        where = _describe(loc)
        loaded.report(dx.WRONG_TYPE, f"{where}: {str(loc[-1])!r} is not {_pattern_words(loc)}", loc, key=True,
                      hint=_pattern_hint(loc))
        return
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        known = sorted(_keys(owner)) if owner else []
        hint = _did_you_mean(str(loc[-1]), known) or (f"allowed keys: {', '.join(known)}" if known else None)
        loaded.report(dx.UNKNOWN_KEY, f"unknown key {loc[-1]!r}{_in(loc[:-1])}", loc, key=True, hint=hint)
    elif kind == "missing":
        loaded.report(dx.MISSING_KEY, f"missing key {loc[-1]!r}{_in(loc[:-1])}", loc[:-1],
                      hint=_missing_hint(loc))
    elif kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",") if o.strip()]
        loaded.report(dx.WRONG_TYPE, f"{where}: {value!r} is not one of {expected}", loc,
                      hint=_did_you_mean(str(value), options))
    elif kind == "string_pattern_mismatch":
        loaded.report(dx.WRONG_TYPE, f"{where}: {value!r} is not {_pattern_words(loc)}", loc,
                      hint=_pattern_hint(loc))
    elif kind in _TYPE_WORDS:
        hint = None
        if loc[-1:] == ("version",) and isinstance(value, (int, float)):
            hint = (f"quote it as a specifier: version: \"~={value}\"" if loc[:1] == ("steps",)
                    else "quote it: version: \"1.0.0\"")
        loaded.report(dx.WRONG_TYPE, f"{where}: expected {_TYPE_WORDS[kind]}, got {_shape(value)}", loc, hint=hint)
    elif kind == "too_short" and loc == ("steps",):
        loaded.report(dx.WRONG_TYPE, "steps: an assembly has at least one step", loc)
    else:
        message = error["msg"].removeprefix("Value error, ")
        loaded.report(dx.WRONG_TYPE, f"{where}: {message}", loc)


def _describe(loc: tuple) -> str:
    """``steps[2].on_error`` for a location tuple."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def _in(loc: tuple) -> str:
    return f" in {_describe(loc)}" if loc else ""


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (for the keys it allows)."""
    shape = tuple("#" if isinstance(part, int) else part for part in loc)
    if not shape:
        return model
    if shape == ("steps", "#"):
        return Step
    if len(shape) == 2 and shape[0] in ("inputs", "exposes"):
        return InputField if shape[0] == "inputs" else Exposed
    if shape == ("lifecycle",):
        return Lifecycle
    return None


def _keys(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _did_you_mean(value: str, options) -> str | None:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def _missing_hint(loc: tuple) -> str | None:
    hints = {
        "uses": "name the capability this step runs, e.g. uses: customer.kyc.person",
        "id": "give it an id (lower-case words with _)",
        "branch": "the branch that owns the product, e.g. branch: zhejiang.hangzhou",
        "level": "a composite declares its level: 2, 3 or 4",
        "version": "a semantic version, e.g. version: 1.0.0",
        "name_zh": "the Chinese name, e.g. name_zh: 药业商圈商户贷",
        "steps": "list the steps, each with an id and uses",
        "type": "string, integer, number, boolean, date or datetime",
        "path": "the inner param it maps to: <step id>.<param>",
    }
    return hints.get(str(loc[-1]))


def _pattern_words(loc: tuple) -> str:
    last = loc[-1] if loc else ""
    if last in ("id", "uses", "branch") and not (len(loc) >= 3 and loc[0] == "steps" and last == "id"):
        return "a dotted lower-case id (e.g. risk.prescreen.antifraud)"
    if last == "version":
        return "a version MAJOR.MINOR.PATCH"
    if last == "path":
        return "a param path <step id>.<param>"
    return "a lower-case name (letters, digits and _, starting with a letter)"


def _pattern_hint(loc: tuple) -> str | None:
    if loc and loc[-1] == "version":
        return "write e.g. 1.0.0"
    return "use lower-case letters, digits and _ (e.g. kyc_check)"


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"{type(value).__name__} {value!r}" if not isinstance(value, str) else f"text {value!r}"
