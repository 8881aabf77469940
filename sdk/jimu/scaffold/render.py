"""Templates (package data under ``templates/``) rendered with ``string.Template``, and writing the
result without ever overwriting a file."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from string import Template

from .names import ScaffoldError


def render(template: str, /, **values: object) -> str:
    """``templates/<name>`` with ``$placeholders`` filled; a placeholder left unfilled is a bug here."""
    text = (files(__package__) / "templates" / template).read_text(encoding="utf-8")
    return Template(text).substitute({k: str(v) for k, v in values.items()})


def write_new(outputs: dict[Path, str]) -> list[Path]:
    """Write every file, or none: any that already exists is refused before anything is written."""
    existing = [path for path in outputs if path.exists()]
    if existing:
        listed = ", ".join(str(p) for p in existing)
        raise ScaffoldError(f"not overwriting {listed}",
                            "move it away or choose another name; jimu new never overwrites a file")
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return list(outputs)
