"""The names a scaffold is made of, checked before anything is written, and the names derived from them."""

from __future__ import annotations

import json
import keyword
import re
import sys

from ..contracts import ID_PATTERN


class ScaffoldError(Exception):
    """What the user asked for cannot be scaffolded; ``usage`` errors (a bad id, level, kind or
    option) exit 2, the rest (a file already there) exit 1. Printed with the hint, never a traceback."""

    def __init__(self, message: str, hint: str | None = None, *, usage: bool = False):
        super().__init__(message)
        self.message, self.hint, self.usage = message, hint, usage


# PEP 508 distribution names (the same rule pip and PyPI apply)
_DIST = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
_PACKAGE = re.compile(r"^[a-z_][a-z0-9_]*$")
_RESERVED_PACKAGES = {"jimu", "tests", "test"}


def capability_id(text: str) -> str:
    """A dotted id with at least a domain and a name: ``agri.step.planting_income``."""
    if not ID_PATTERN.match(text):
        raise ScaffoldError(f"{text!r} is not a capability id",
                            "use lower-case dotted words, domain first (e.g. risk.prescreen.income_floor)",
                            usage=True)
    if "." not in text:
        raise ScaffoldError(f"{text!r} is a domain, not a capability id",
                            "give the domain and a name (e.g. agri.step.planting_income); a new domain is "
                            "declared by its plugin (jimu new plugin --domain)", usage=True)
    last = text.rsplit(".", 1)[1]
    if keyword.iskeyword(last):
        raise ScaffoldError(f"{text!r}: its last word {last!r} is a Python keyword and cannot name the module",
                            "choose another name", usage=True)
    return text


def product_id(text: str) -> str:
    if not ID_PATTERN.match(text) or "." not in text:
        raise ScaffoldError(f"{text!r} is not a product id",
                            "use lower-case dotted words, the branch first (e.g. zhejiang.ningbo.pharmacy_loan)",
                            usage=True)
    return text


def branch(text: str) -> str:
    if not ID_PATTERN.match(text):
        raise ScaffoldError(f"{text!r} is not a branch", "use lower-case dotted words (e.g. zhejiang.ningbo)",
                            usage=True)
    return text


def domain(text: str) -> str:
    if not ID_PATTERN.match(text) or "." in text:
        raise ScaffoldError(f"{text!r} is not a domain id", "a domain is one lower-case word (e.g. agri)",
                            usage=True)
    return text


def distribution(text: str) -> str:
    if not _DIST.match(text):
        raise ScaffoldError(f"{text!r} is not a distribution name",
                            "letters, digits, '-', '_' and '.', starting and ending with a letter or digit "
                            "(e.g. jimu-agri)", usage=True)
    return text


def package_for(dist: str) -> str:
    """The import package a distribution's name suggests: ``jimu-agri`` → ``jimu_agri``."""
    return re.sub(r"[-.]+", "_", dist).lower()


def package(text: str) -> str:
    if not _PACKAGE.match(text) or keyword.iskeyword(text):
        raise ScaffoldError(f"{text!r} is not a Python package name",
                            "lower-case letters, digits and underscores (e.g. jimu_agri)", usage=True)
    if text in _RESERVED_PACKAGES or text in sys.stdlib_module_names:
        raise ScaffoldError(f"package {text!r} would shadow {'Jimu' if text == 'jimu' else 'a module of that name'}",
                            "choose another name with --package", usage=True)
    return text


def camel(snake: str) -> str:
    """``planting_income`` → ``PlantingIncome``: the prefix of a capability's model classes."""
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part) or "Capability"


def reason_code(cap_id: str, suffix: str) -> str:
    """``agri.step.planting_income``, ``ABOVE_LIMIT`` → ``AGRI_PLANTING_INCOME_ABOVE_LIMIT``:
    the domain and the capability's name, so two capabilities' codes never collide."""
    parts = cap_id.split(".")
    return "_".join([parts[0], parts[-1], suffix]).upper()


def py(text: str) -> str:
    """A string literal valid in Python, TOML (basic string) and YAML (double-quoted) alike."""
    return json.dumps(text, ensure_ascii=False)


_PLAIN_YAML = re.compile(r"^[\w\u3400-\u9fff][\w\u3400-\u9fff .,()（）、-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def yaml_str(text: str) -> str:
    """A YAML scalar for ``text``: plain when it cannot be read as anything but that string, else quoted."""
    if _PLAIN_YAML.match(text) and text.lower() not in _YAML_WORDS and not text.rstrip().endswith(":") \
            and not re.match(r"^[\d.+-]", text):
        return text
    return py(text)
