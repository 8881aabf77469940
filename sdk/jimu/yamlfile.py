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
    _SafeLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _SafeLoader = yaml.SafeLoader

#: plain scalar text → its implicit tag (``1.0.0`` → str, ``0.5`` → float): assemblies repeat the
#: same keys and values, and PyYAML tries its regular expressions on each anew (a tenth of a load)
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 65_536


class _Base(_SafeLoader):  # type: ignore[misc,valid-type]
    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        # A plain scalar's tag depends on its text alone (while no path resolver is registered).
        if kind is yaml.ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                    _PLAIN_TAGS[value] = tag
            return tag
        if kind is yaml.MappingNode and not self.yaml_path_resolvers:
            return self.DEFAULT_MAPPING_TAG  # (what the base class answers, without its checks)
        return super().resolve(kind, value, implicit)

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
        split = self.__dict__.get("_lines")
        if split is None or split[0] is not self.text:  # split once: the validator asks for a line per expression
            split = self.__dict__["_lines"] = (self.text, self.text.splitlines())
        lines = split[1]
        return lines[line - 1] if 0 < line <= len(lines) else ""


def _mark(node: yaml.Node) -> Position:
    mark = node.start_mark
    return _position(mark.line + 1, mark.column + 1)


_POSITIONS: dict[tuple[int, int], Position] = {}


def _position(line: int, column: int) -> Position:
    """A shared Position (immutable): files laid out alike repeat the same ones, and a frozen
    dataclass costs more to build than to look up; every value of every file gets one."""
    found = _POSITIONS.get((line, column))
    if found is None:
        found = Position(line, column)
        if len(_POSITIONS) < 100_000:
            _POSITIONS[(line, column)] = found
    return found


def _offset_position(text: str, offset: int) -> Position:
    """Line and column (in characters) of a character offset, counting \r\n, \r and \n breaks."""
    before = text[:offset].replace("\r\n", "\n").replace("\r", "\n")
    return Position(before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1)


_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "binary", "map", "seq",
                                     "merge", "set", "omap", "pairs")}
_CONSTRUCTED = {_TAG + t for t in ("set", "omap", "pairs")}  # standard collections PyYAML builds itself
_STR = _TAG + "str"


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document from ``text``; raise :class:`YamlError` with a position.

    Nothing but :class:`YamlError` escapes, whatever the text.
    """
    loader = None
    try:
        try:
            loader = _Base(text)
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:  # a control character: libyaml gives an offset
            where = _offset_position(text, exc.position) if isinstance(exc.position, int) else Position(1, 1)
            char = f" #x{exc.character:04x}" if isinstance(exc.character, int) else ""
            raise YamlError(f"YAML syntax: unacceptable character{char} ({exc.reason})", where,
                            "remove the control character") from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
            problem = exc.problem or exc.context or "invalid YAML"
            raise YamlError(f"YAML syntax: {problem}", where, _syntax_hint(problem, text, where)) from None
        except yaml.YAMLError as exc:
            raise YamlError(f"YAML syntax: {exc}", Position(1, 1)) from None
        except RecursionError:
            raise YamlError("the document is nested too deeply", Position(1, 1)) from None
        except UnicodeError as exc:  # e.g. a lone surrogate the C reader cannot encode
            start = getattr(exc, "start", 0)
            raise YamlError(f"the text is not valid Unicode: {getattr(exc, 'reason', exc)}",
                            _offset_position(text, start)) from None
        doc = YamlDocument(data=None, text=text)
        if node is not None:
            doc.data = _Builder(loader, doc).build(node, ())
        return doc
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml_file(path: Path) -> YamlDocument:
    """Read and parse ``path``; encoding problems are reported as :class:`YamlError` too."""
    return load_yaml_bytes(Path(path).read_bytes())


def load_yaml_bytes(raw: bytes) -> YamlDocument:
    """Parse a file's bytes (UTF-8, a BOM allowed); encoding problems are reported as :class:`YamlError` too."""
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = body[: exc.start].decode("utf-8")
        raise YamlError(
            f"the file is not UTF-8 text (byte 0x{body[exc.start]:02x})", _offset_position(good, len(good)),
            "save the file as UTF-8",
        ) from None
    if "\x00" in text:
        raise YamlError("the file contains a NUL character", _offset_position(text, text.index("\x00")),
                        "is this a binary file? assemblies are YAML text")
    return load_yaml(text)


class _Builder:
    def __init__(self, loader: Any, doc: YamlDocument):
        self.loader, self.doc, self.count = loader, doc, 0
        self.open: set[int] = set()  # nodes being built: an alias back to one is a cycle
        self.depth = 0  # nesting of build calls (merges nest without lengthening the path)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlError("the document expands to too many values (alias bomb?)", _mark(node),
                            "remove repeated anchors/aliases")
        if len(path) > MAX_DEPTH or self.depth > MAX_DEPTH:
            raise YamlError(f"the document is nested more than {MAX_DEPTH} levels deep", _mark(node))
        if node.tag == _STR and type(node) is yaml.ScalarNode:  # most values: the text is the value
            mark = node.start_mark
            self.doc.positions[path] = _POSITIONS.get((mark.line + 1, mark.column + 1)) or _mark(node)
            return node.value
        if id(node) in self.open:
            raise YamlError("an alias refers to a value that contains it (a cycle)", _mark(node),
                            "remove the *alias inside its own &anchor")
        if node.tag not in _ALLOWED_TAGS:
            raise YamlError(f"tag {node.tag!r} is not allowed: assemblies hold data, never objects",
                            _mark(node), "remove the !tag")
        self.doc.positions[path] = _mark(node)
        if isinstance(node, yaml.ScalarNode) or node.tag in _CONSTRUCTED:
            return self.scalar(node)
        self.open.add(id(node))
        self.depth += 1
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.depth -= 1
            self.open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: Path_) -> dict[Any, Any]:
        # Merge keys (<<) by YAML's rule, done here rather than by PyYAML's flatten_mapping
        # (which raises outside our control and reports merged keys as duplicates): explicit
        # keys win over merged ones, and earlier merged mappings over later ones.
        merged: dict[Any, Any] = {}
        explicit: dict[Any, Any] = {}
        positions, key_positions = self.doc.positions, self.doc.key_positions
        # A plain text value one level down is most of a file: built here rather than by a call
        # to build (same count, same position), when it is no deeper than build would accept.
        shallow = len(path) < MAX_DEPTH and self.depth <= MAX_DEPTH
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in reversed(sources):
                    if not isinstance(source, yaml.MappingNode):
                        raise YamlError("a merge (<<) takes a mapping or a list of mappings", _mark(key_node))
                    merged.update(self.build(source, path))
                continue
            key = key_node.value if key_node.tag == _STR and type(key_node) is yaml.ScalarNode \
                else self.build_key(key_node)
            if key in explicit:
                first = key_positions[(*path, key)]
                raise YamlError(f"duplicate key {key!r} (first at line {first.line})", _mark(key_node),
                                "remove one of them; YAML would silently keep only the last")
            mark = key_node.start_mark
            where = (*path, key)
            key_positions[where] = _POSITIONS.get((mark.line + 1, mark.column + 1)) or _mark(key_node)
            if shallow and value_node.tag == _STR and type(value_node) is yaml.ScalarNode \
                    and self.count < MAX_NODES:
                self.count += 1
                mark = value_node.start_mark
                positions[where] = _POSITIONS.get((mark.line + 1, mark.column + 1)) or _mark(value_node)
                explicit[key] = value_node.value
                continue
            explicit[key] = self.build(value_node, where)
        self.doc.positions[path] = _mark(node)
        return {**merged, **explicit}

    def build_key(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise YamlError("a mapping key must be a plain value, not a list or mapping", _mark(node))
        if node.tag == _STR:
            return node.value
        if node.tag not in _ALLOWED_TAGS:
            raise YamlError(f"tag {node.tag!r} is not allowed: assemblies hold data, never objects", _mark(node),
                            "remove the !tag")
        key = self.scalar(node)
        # Keys are names in an assembly: a key written 1, true or 2026-01-01 is kept as the text
        # it was written as, so that 1 and true (equal in a Python dict) stay two keys.
        return key if isinstance(key, str) else str(node.value)

    def scalar(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise YamlError(f"invalid value: {getattr(exc, 'problem', None) or exc}", _mark(node)) from None
        except Exception as exc:  # ValueError for 2026-02-30; KeyError, IndexError... for `!!bool foo`
            detail = str(exc) if isinstance(exc, (ValueError, OverflowError)) else type(exc).__name__
            raise YamlError(f"invalid value {node.value!r}: {detail}", _mark(node), "quote it to keep it as text") from None


def _syntax_hint(problem: str, text: str = "", where: Position | None = None) -> str | None:
    lines = text.splitlines()
    at = lines[where.line - 1] if where and 0 < where.line <= len(lines) else ""
    if "tab" in problem or at[: where.column if where else 0].lstrip(" ").startswith("\t"):
        return "indent with spaces, not tabs"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' needs quotes"
    if "could not find expected ':'" in problem:
        return "each line of a mapping is `key: value`"
    if "expected <block end>" in problem or "did not find expected" in problem:
        return "check the indentation of this line against the one above"
    return None
