"""Parsing CEL text into Jimu's expression tree, with findings a branch developer can act on.

The grammar is CEL's own, as shipped in cel-python (``celpy/cel.lark``, Apache-2.0, Capital
One), so what parses here parses in every CEL implementation. We read the file but never import
``celpy``: its package imports pendulum and friends (about 90 ms) and Jimu evaluates expressions
with its own compiler anyway. The lark parser is built once per process, on first use, with
cel-python's options plus ``cache=True`` (lark keeps the analysed grammar in the temp directory:
about 110 ms the first time on a machine, 5 ms after).

Whatever the text, :func:`parse` returns an :class:`Expression` or raises
:class:`ExpressionError` carrying one J401 finding with a line, a column and, when the mistake is
a usual one (``=`` for ``==``, ``and`` for ``&&``, Python's ``None``, a full-width bracket typed
with a Chinese input method), a hint. Length and nesting are capped so that no input can exhaust
the stack of the checker or of the compiled closures.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jimu import diagnostics
from jimu.expressions import ast

MAX_LENGTH = 2000  # characters; a `when` is one line, a computed binding a few
MAX_DEPTH = 100  # tree levels; flat chains count (`a && b && …`), real conditions stay far below

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

#: CEL's reserved words: not identifiers, not field names (the CEL language definition).
RESERVED = frozenset(
    "as break const continue else for function if import let loop package namespace return var void while".split()
)


@dataclass(frozen=True)
class Finding:
    """One problem in an expression; ``line`` and ``column`` are 1-based within its text."""

    code: str
    message: str
    line: int
    column: int
    hint: str | None = None


class ExpressionError(Exception):
    """The text is not an expression Jimu accepts; ``finding`` says where and why (J401)."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding

    @property
    def findings(self) -> list[Finding]:
        return [self.finding]


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text and its tree."""

    text: str
    root: ast.Expr

    def source(self, node: ast.Node) -> str:
        """The text of a sub-expression."""
        return self.text[node.start : node.end]


def parse(text: str) -> Expression:
    """Parse CEL ``text``; raise :class:`ExpressionError` (J401) if it is not in Jimu's subset."""
    if not isinstance(text, str):
        raise TypeError(f"an expression is text, not {type(text).__name__}")
    if not text.strip():
        raise _error(text, "the expression is empty", 0, hint="write a condition such as inputs.amount > 0")
    if len(text) > MAX_LENGTH:
        raise _error(text, f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are allowed",
                     MAX_LENGTH, hint="split it into computed bindings or steps")
    from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        tree = _lark().parse(text)
    except UnexpectedToken as exc:
        raise _unexpected_token(text, exc) from None
    except UnexpectedCharacters as exc:
        raise _unexpected_character(text, exc.pos_in_stream) from None
    except UnexpectedInput:  # UnexpectedEOF: lark's LALR reports $END as a token, but be safe
        raise _error(text, "the expression ends too early", len(text.rstrip()),
                     hint=_hint(text)) from None
    except (LarkError, RecursionError, ValueError) as exc:  # LexError and anything else lark raises
        raise _error(text, f"the expression does not parse: {str(exc).splitlines()[0] if str(exc) else exc!r}",
                     0, hint=_hint(text)) from None
    try:
        return Expression(text, _Builder(text).build(tree))
    except _Reject as rej:
        raise _error(text, rej.message, rej.offset, code=rej.code, hint=rej.hint) from None


# -- the lark parser, built once -------------------------------------------------------------

_LARK: Any = None


def grammar_path() -> Path:
    """Where cel-python's ``cel.lark`` is installed (found without importing ``celpy``)."""
    spec = importlib.util.find_spec("celpy")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cel-python is not installed: Jimu reads the CEL grammar (cel.lark) from it")
    return Path(list(spec.submodule_search_locations)[0]) / "cel.lark"


def _lark() -> Any:
    global _LARK
    if _LARK is None:
        from lark import Lark, Token

        def ambiguous_literals(token: Token) -> Token:  # as celpy's CELParser, keeping the position
            if token.value in ("true", "false"):
                return Token.new_borrow_pos("BOOL_LIT", token.value, token)
            return token

        _LARK = Lark(
            grammar_path().read_text(encoding="utf-8"),
            parser="lalr",
            start="expr",
            g_regex_flags=re.M,
            lexer_callbacks={"IDENT": ambiguous_literals},
            propagate_positions=True,
            maybe_placeholders=False,
            priority="invert",
            cache=True,
        )
    return _LARK


# -- from lark's tree to ours ----------------------------------------------------------------

class _Reject(Exception):
    def __init__(self, message: str, offset: int, hint: str | None = None, code: str = diagnostics.EXPR_SYNTAX.code):
        super().__init__(message)
        self.message, self.offset, self.hint, self.code = message, offset, hint, code


@dataclass(frozen=True)
class _Op:
    """An operator and its left operand, waiting for the right one (``relation_lt`` and kin)."""

    op: str
    left: ast.Expr


_MARKERS = {
    "relation_lt": "<", "relation_le": "<=", "relation_gt": ">", "relation_ge": ">=",
    "relation_eq": "==", "relation_ne": "!=", "relation_in": "in",
    "addition_add": "+", "addition_sub": "-",
    "multiplication_mul": "*", "multiplication_div": "/", "multiplication_mod": "%",
}
_COMMENT = re.compile(r"//[^\r\n]*")
_WRAPPERS = frozenset({"expr", "conditionalor", "conditionaland", "relation", "addition", "multiplication",
                       "unary", "member", "primary", "paren_expr"})


class _Builder:
    """Turns lark's tree into ours without recursion (lark's tree is ten levels per operand)."""

    def __init__(self, text: str):
        self.text = text
        self.depth: dict[int, int] = {}  # id(node) -> height of its subtree

    def build(self, tree: Any) -> ast.Expr:
        from lark import Tree

        values: list[Any] = []
        stack: list[tuple[Any, bool]] = [(tree, False)]
        while stack:
            item, ready = stack.pop()
            if ready:
                count = len(item.children)
                args = values[len(values) - count :] if count else []
                del values[len(values) - count :]
                values.append(self.rule(item.data, item, args))
                continue
            # most rules just wrap one child (`expr > conditionalor > … > primary`): skip them
            while type(item) is Tree and item.data in _WRAPPERS and len(item.children) == 1:
                item = item.children[0]
            if type(item) is not Tree:
                values.append(item)  # a token
            else:
                stack.append((item, True))
                stack.extend((child, False) for child in reversed(item.children))
        (root,) = values
        return root

    # -- helpers ------------------------------------------------------------------------------

    def make(self, cls: type, where: Any, *fields: Any, kids: tuple[ast.Node, ...] = (), **extra: Any) -> Any:
        meta = where.meta if hasattr(where, "meta") else where
        node = cls(*fields, start=meta.start_pos, end=meta.end_pos, line=meta.line, column=meta.column, **extra)
        height = 1 + max((self.depth.get(id(k), 1) for k in kids), default=0)
        if height > MAX_DEPTH:
            raise _Reject(f"the expression is nested more than {MAX_DEPTH} levels deep", meta.start_pos,
                          "split it into computed bindings or simpler conditions")
        self.depth[id(node)] = height
        return node

    def op_start(self, left: ast.Node, right: ast.Node, op: str) -> int:
        between = _COMMENT.sub(lambda m: " " * len(m.group()), self.text[left.end : right.start])
        found = between.find(op)
        return left.end + found if found >= 0 else left.end

    def name(self, token: Any) -> str:
        if token.value in RESERVED:
            raise _Reject(f"'{token.value}' is a reserved word in CEL and cannot be a name", token.start_pos)
        return str(token.value)

    def binary(self, tree: Any, op: str, left: ast.Expr, right: ast.Expr) -> ast.Binary:
        return self.make(ast.Binary, tree, op, left, right, kids=(left, right), op_start=self.op_start(left, right, op))

    # -- rules --------------------------------------------------------------------------------

    def rule(self, data: str, tree: Any, args: list[Any]) -> Any:
        if data in _MARKERS:
            return _Op(_MARKERS[data], args[0])
        if data in ("relation", "addition", "multiplication"):
            if len(args) == 1:
                return args[0]
            marker, right = args
            return self.binary(tree, marker.op, marker.left, right)
        if data == "expr":
            if len(args) == 1:
                return args[0]
            cond, then, otherwise = args
            return self.make(ast.Conditional, tree, cond, then, otherwise, kids=(cond, then, otherwise))
        if data in ("conditionalor", "conditionaland"):
            if len(args) == 1:
                return args[0]
            return self.binary(tree, "||" if data == "conditionalor" else "&&", args[0], args[1])
        if data == "unary":
            if len(args) == 1:
                return args[0]
            op, operand = args
            return self.make(ast.Unary, tree, op, operand, kids=(operand,))
        if data == "unary_not":
            return "!"
        if data == "unary_neg":
            return "-"
        if data in ("member", "primary", "paren_expr"):
            return args[0]
        if data == "member_dot":
            operand, field = args
            return self.make(ast.Select, tree, operand, self.name(field), kids=(operand,))
        if data == "member_dot_arg":
            operand, function, *rest = args
            items = tuple(rest[0]) if rest else ()
            return self.make(ast.Call, tree, self.name(function), operand, items, kids=(operand, *items))
        if data == "member_index":
            operand, index = args
            return self.make(ast.Index, tree, operand, index, kids=(operand, index))
        if data == "ident":
            return self.make(ast.Ident, tree, self.name(args[0]))
        if data == "ident_arg":
            function, *rest = args
            items = tuple(rest[0]) if rest else ()
            if function.value == "has":
                return self.has(tree, items)
            return self.make(ast.Call, tree, self.name(function), None, items, kids=items)
        if data == "list_lit":
            items = tuple(args[0]) if args else ()
            return self.make(ast.ListLit, tree, items, kids=items)
        if data == "exprlist":
            return list(args)
        if data == "literal":
            return self.literal(args[0])
        if data in ("mapinits", "fieldinits"):
            return None  # their parent rejects the construct
        if data == "map_lit":
            raise _Reject("map literals ({key: value}) are not in Jimu's CEL subset", tree.meta.start_pos,
                          "compare fields one by one, or declare a list")
        if data == "member_object":
            raise _Reject("message construction (Name{field: value}) is not in Jimu's CEL subset",
                          tree.meta.start_pos)
        if data in ("dot_ident", "dot_ident_arg"):
            raise _Reject("a leading dot ('.name') is not in Jimu's CEL subset", tree.meta.start_pos,
                          "write the name without the dot, e.g. inputs.amount")
        raise _Reject(f"'{self.text[tree.meta.start_pos:tree.meta.end_pos]}' is not in Jimu's CEL subset",
                      tree.meta.start_pos)  # pragma: no cover - every rule of cel.lark is handled above

    def has(self, tree: Any, items: tuple[ast.Expr, ...]) -> ast.Has:
        if len(items) != 1 or not isinstance(items[0], ast.Select):
            raise _Reject("has() takes a field selection such as has(steps.card.last4)", tree.meta.start_pos,
                          "has() tests whether a field is present; name the object and the field")
        return self.make(ast.Has, tree, items[0], kids=items)

    def literal(self, token: Any) -> ast.Literal:
        kind, raw = token.type, str(token.value)
        if kind == "INT_LIT":
            negative, digits = raw.startswith("-"), raw.lstrip("-")
            value = int(digits[2:], 16) if digits[:2].lower() == "0x" else int(digits, 10)
            value = -value if negative else value
            if not INT64_MIN <= value <= INT64_MAX:
                raise _Reject(f"the integer {raw} is outside the 64-bit range", token.start_pos,
                              "CEL ints are 64-bit; write a double such as 1e20 if you need a larger number")
        elif kind == "FLOAT_LIT":
            value = float(raw)
            if value in (float("inf"), float("-inf")):
                raise _Reject(f"the number {raw} is too large for a double", token.start_pos)
        elif kind in ("STRING_LIT", "MLSTRING_LIT"):
            value = decode_string(raw, token.start_pos)
        elif kind == "BOOL_LIT":
            value = raw == "true"
        elif kind == "NULL_LIT":
            value = None
        elif kind == "UINT_LIT":
            raise _Reject(f"unsigned integers ({raw}) are not in Jimu's CEL subset", token.start_pos,
                          f"write {raw[:-1]}")
        elif kind == "BYTES_LIT":
            raise _Reject("bytes literals (b'…') are not in Jimu's CEL subset", token.start_pos,
                          "write a string literal without the b prefix")
        else:  # pragma: no cover - the grammar's literal rule has no other terminal
            raise _Reject(f"unknown literal {raw!r}", token.start_pos)
        return self.make(ast.Literal, token, value)


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            '"': '"', "'": "'", "\\": "\\", "`": "`", "?": "?"}
_ESCAPE = re.compile(
    r"\\(?:([abfnrtv\"'\\`?])|[xX]([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-3][0-7]{2})"
    r"|(.|\n|\r|$))",  # the last group: anything else after a backslash is an invalid escape
    re.S,
)


def decode_string(raw: str, offset: int = 0) -> str:
    """The value of a CEL string literal token: quotes removed, escapes decoded (not for r'…').

    ``\\x`` and octal escapes name code points (U+0000–U+00FF), as CEL specifies for strings.
    """
    body = raw
    is_raw = body[:1] in "rR"
    if is_raw:
        body = body[1:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    content = body[len(quote) : len(body) - len(quote)]
    start = offset + (1 if is_raw else 0) + len(quote)
    if is_raw:
        return content

    def replace(match: re.Match[str]) -> str:
        simple, hex2, hex4, hex8, octal, bad = match.groups()
        if simple is not None:
            return _ESCAPES[simple]
        if bad is not None:
            shown = "\\" + bad if bad and bad.isprintable() else "a lone backslash"
            raise _Reject(f"invalid escape {shown} in a string", start + match.start(),
                          "write \\\\ for a backslash, or use a raw string r'…'")
        code = int(octal, 8) if octal is not None else int(hex2 or hex4 or hex8, 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise _Reject(f"invalid escape {match.group()}: not a Unicode code point", start + match.start())
        return chr(code)

    return _ESCAPE.sub(replace, content)


# -- errors ----------------------------------------------------------------------------------

def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``, counted as lark counts the
    positions of nodes (a line ends at ``\\n``)."""
    before = text[: max(0, min(offset, len(text)))]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _error(text: str, message: str, offset: int, *, code: str = diagnostics.EXPR_SYNTAX.code,
           hint: str | None = None) -> ExpressionError:
    line, column = position(text, offset)
    return ExpressionError(Finding(code, message, line, column, hint))


_OPERATORS = {"||", "&&", "<", "<=", ">", ">=", "==", "!=", "in", "+", "*", "/", "%", "?"}
_TOKEN_KINDS = {"IDENT": "name", "INT_LIT": "number", "UINT_LIT": "number", "FLOAT_LIT": "number",
                "STRING_LIT": "string", "MLSTRING_LIT": "string", "BYTES_LIT": "bytes literal",
                "BOOL_LIT": "literal", "NULL_LIT": "literal"}


def _literal_text(name: str) -> str | None:
    from lark.lexer import PatternStr

    try:
        pattern = _lark().get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if isinstance(pattern, PatternStr) else None


def _unexpected_token(text: str, exc: Any) -> ExpressionError:
    token = exc.token
    expected = set(exc.expected or ())
    end = token.type == "$END"
    offset = len(text.rstrip()) if end else token.start_pos if isinstance(token.start_pos, int) else 0
    wanted = _expected(expected, _open_bracket(text, offset))
    if end:
        message = "the expression ends too early" + (f"; expected {wanted}" if wanted else "")
        return _error(text, message, offset, hint=_hint(text))
    value = str(token.value)
    shown = f"{_TOKEN_KINDS[token.type]} {value!r}" if token.type in _TOKEN_KINDS else repr(value)
    if token.type == "IDENT" and value in RESERVED:
        shown = f"reserved word {value!r}"
    message = f"unexpected {shown}" + (f"; expected {wanted}" if wanted else "")
    return _error(text, message, offset, hint=_hint(text, value))


_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def _open_bracket(text: str, offset: int) -> str | None:
    """The closer of the innermost bracket still open at ``offset`` (LALR's own list is too wide)."""
    code = _STRING_LITERAL.sub(lambda m: " " * len(m.group()), _COMMENT.sub("", text[:offset]))
    opened: list[str] = []
    for char in code:
        if char in _CLOSERS:
            opened.append(_CLOSERS[char])
        elif char in ")]}" and opened and opened[-1] == char:
            opened.pop()
    return opened[-1] if opened else None


def _expected(names: set[str], closer: str | None) -> str:
    closers = {")", "]", "}"}
    if names & {"IDENT", "INT_LIT", "STRING_LIT"}:
        allowed = {t for t in (_literal_text(n) for n in names) if t in closers}
        return "an operand" + (f" or '{closer}'" if closer in allowed else "")
    literals = {t for t in (_literal_text(n) for n in names) if t and (t not in closers or t == closer)}
    if closer is None:
        literals.discard(",")
    operators = sorted(literals & _OPERATORS)
    if len(operators) > 3:  # after a complete operand LALR offers every follower: keep it short
        return "an operator"
    parts = [f"'{t}'" for t in sorted(literals) if t not in (".", "[", "{", "(", "-")]
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


_FULL_WIDTH = {"（": "(", "）": ")", "‘": "'", "’": "'", "“": '"', "”": '"', "，": ",", "＝": "=",
               "！": "!", "＞": ">", "＜": "<", "［": "[", "］": "]", "．": ".", "？": "?", "：": ":",
               "＆": "&", "｜": "|", "\u3000": " ", "\u00a0": " "}


def _unexpected_character(text: str, offset: int) -> ExpressionError:
    char = text[offset] if 0 <= offset < len(text) else ""
    if char in "'\"":
        return _error(text, "this string is not closed", offset,
                      hint=f"end it with {char} on the same line, or use {char * 3}…{char * 3} for several lines")
    if char in _FULL_WIDTH:
        return _error(text, f"unexpected full-width character {char!r} (U+{ord(char):04X})", offset,
                      hint=f"write {_FULL_WIDTH[char]!r} (switch the input method to half-width)")
    if char == "=":
        return _error(text, "unexpected '='", offset, hint="write == to compare; CEL has no assignment")
    if char in "&|":
        return _error(text, f"unexpected {char!r}", offset, hint=f"write {char * 2} (CEL's logical operator)")
    shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}" if char else "end of text"
    return _error(text, f"unexpected character {shown}", offset, hint=_hint(text))


_STRING_LITERAL = re.compile(r"[rRbB]?(\"\"\"|'''|\"|')(?:\\.|(?!\1).)*?(?:\1|$)", re.S)


def _hint(text: str, at: str | None = None) -> str | None:
    """A fix for the usual mistakes, looked for outside string literals."""
    code = _STRING_LITERAL.sub(lambda m: " " * len(m.group()), text)
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", code))
    for python, cel in (("and", "&&"), ("or", "||"), ("not", "!")):
        if at == python or python in words:
            return f"write {cel} instead of '{python}'"
    if "None" in words:
        return "write null, not None"
    if "True" in words or "False" in words:
        return "write true and false in lower case"
    if re.search(r"(?<![=!<>])=(?!=)", code):
        return "write == to compare; CEL has no assignment"
    if "&&" not in code and "&" in code:
        return "write && for 'and'"
    if "||" not in code and "|" in code:
        return "write || for 'or'"
    for char, fix in _FULL_WIDTH.items():
        if char in code:
            return f"replace the full-width {char!r} with {fix!r}"
    return None
