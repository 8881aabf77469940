"""What the sub-commands share: loading the catalog once, consoles, user errors."""

from __future__ import annotations

from functools import cache

import click

from ..catalog import Catalog


class UserError(click.ClickException):
    """A problem with what the user asked for: printed without a traceback, exit 1."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message + (f"\n  hint: {hint}" if hint else ""))


@cache
def console(stderr: bool = False):
    import sys

    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (CI logs, `make demo | tee`) gets wide tables instead of rich's 80 columns.
    width = None if stream.isatty() else 160
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr, width=width)


def load() -> Catalog:
    """The installed catalog; plugin problems are reported on stderr, never fatal."""
    from ..plugins import load_catalog

    catalog = load_catalog()
    err = console(stderr=True)
    for problem in catalog.problems:
        style = "red" if problem.severity == "error" else "yellow"
        err.print(f"[{style}]{problem.severity}[/]: {problem.source}:"
                  f"{' ' + problem.item + ':' if problem.item else ''} {problem.message}", markup=True,
                  highlight=False)
    return catalog


def lookup(catalog: Catalog, ref: str):
    """``ID``, ``ID@VERSION`` or ``ID<specifier>`` to an entry, or a UserError with suggestions."""
    from ..catalog import UnknownCapability

    try:
        return catalog.get(ref)
    except UnknownCapability as exc:
        hint = "run `jimu catalog` to list what is installed"
        if exc.installed:
            hint = f"installed versions: {', '.join(exc.installed)}"
        raise UserError(str(exc), hint) from None
