"""Safe YAML loading that remembers where every value stood (1-based line and column).

Assemblies are written by branch developers; every complaint about one must point at the line.
PyYAML's composer gives nodes with marks; we build plain Python values from them ourselves, so
that positions are kept per path (``("steps", 0, "uses")``), duplicate keys are caught (PyYAML
silently keeps the last), only YAML's standard tags are accepted (nothing builds objects), and
alias bombs are bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is several times faster; the pure-Python one behaves the same
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Base = yaml.SafeLoader

Path_ = tuple[str | int, ...]
MAX_NODES = 200_000  # far above any real assembly; stops "billion laughs" alias expansion
MAX_DEPTH = 64  # assemblies nest a few levels; deeper is a mistake or an attack


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class YamlError(Exception):
    """The file is not YAML we accept; ``position`` is where the parser stopped."""

    message: str
    position: Position
    hint: str | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class YamlDocument:
    """A loaded YAML document: its data, and the position of every value and key in it."""

    data: Any
    text: str
    positions: dict[Path_, Position] = field(default_factory=dict)
    key_positions: dict[Path_, Position] = field(default_factory=dict)

    def position(self, path: Path_, *, key: bool = False) -> Position:
        """Where ``path`` stands; if it does not exist, its nearest existing parent."""
        table = self.key_positions if key else self.positions
        path = tuple(path)
        while path:
            if path in table:
                return table[path]
            if not key and path in self.key_positions:
                return self.key_positions[path]
            path = path[:-1]
        return self.positions.get((), Position(1, 1))

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document from ``text``; raise :class:`YamlError` with a position."""
    loader = _Base(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"YAML syntax: {problem}", where, _syntax_hint(problem)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax: {exc}", Position(1, 1)) from None
    except RecursionError:
        raise YamlError("the document is nested too deeply", Position(1, 1)) from None
    doc = YamlDocument(data=None, text=text)
    if node is None:
        return doc
    builder = _Builder(loader, doc)
    try:
        doc.data = builder.build(node, ())
    finally:
        loader.dispose()
    return doc


def load_yaml_file(path: Path) -> YamlDocument:
    """Read and parse ``path``; encoding problems are reported as :class:`YamlError` too."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})", Position(line, column),
            "save the file as UTF-8",
        ) from None
    if "\x00" in text:
        offset = text.index("\x00")
        raise YamlError("the file contains a NUL character", Position(text.count("\n", 0, offset) + 1, 1),
                        "is this a binary file? assemblies are YAML text")
    return load_yaml(text)


class _Builder:
    def __init__(self, loader: Any, doc: YamlDocument):
        self.loader, self.doc, self.count = loader, doc, 0
        self.open: set[int] = set()  # nodes being built: an alias back to one is a cycle

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlError("the document expands to too many values (alias bomb?)", _mark(node),
                            "remove repeated anchors/aliases")
        if len(path) > MAX_DEPTH:
            raise YamlError(f"the document is nested more than {MAX_DEPTH} levels deep", _mark(node))
        if id(node) in self.open:
            raise YamlError("an alias refers to a value that contains it (a cycle)", _mark(node),
                            "remove the *alias inside its own &anchor")
        self.doc.positions[path] = _mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        self.open.add(id(node))
        try:
            return self.collection(node, path)
        finally:
            self.open.discard(id(node))

    def collection(self, node: yaml.Node, path: Path_) -> Any:
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)  # merge keys (<<) as YAML defines them
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build_key(key_node, path)
                if key in result:
                    first = self.doc.key_positions[(*path, key)]
                    raise YamlError(f"duplicate key {key!r} (first at line {first.line})", _mark(key_node),
                                    "remove one of them; YAML would silently keep only the last")
                self.doc.key_positions[(*path, key)] = _mark(key_node)
                result[key] = self.build(value_node, (*path, key))
            return result
        return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]

    def build_key(self, node: yaml.Node, path: Path_) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise YamlError("a mapping key must be a plain value, not a list or mapping", _mark(node))
        key = self.scalar(node)
        return key if isinstance(key, (str, int, float, bool)) or key is None else str(key)

    def scalar(self, node: yaml.Node) -> Any:
        if not node.tag.startswith("tag:yaml.org,2002:"):
            raise YamlError(f"tag {node.tag!r} is not allowed: assemblies hold data, never objects",
                            _mark(node), "remove the !tag")
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise YamlError(f"invalid value: {getattr(exc, 'problem', exc)}", _mark(node)) from None
        except (ValueError, OverflowError) as exc:  # e.g. the timestamp 2026-02-30
            raise YamlError(f"invalid value {node.value!r}: {exc}", _mark(node), "quote it to keep it as text") from None


def _syntax_hint(problem: str) -> str | None:
    if "tab" in problem:
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' needs quotes"
    if "could not find expected ':'" in problem:
        return "each line of a mapping is `key: value`"
    if "expected <block end>" in problem or "did not find expected" in problem:
        return "check the indentation of this line against the one above"
    return None
