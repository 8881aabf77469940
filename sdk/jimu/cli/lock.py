"""``jimu lock``: write or refresh the lock file beside each product."""

from __future__ import annotations

from pathlib import Path

import click

from .common import UserError, console, load


@click.command("lock")
@click.argument("assemblies", nargs=-1, type=click.Path(exists=True, path_type=Path))
def lock_command(assemblies) -> None:
    """Write FOO.lock.json beside each product FOO.yaml (default: every product under assemblies/).

    The lock pins what the product reaches: each capability's version, distribution, code and
    data files (sha256), each composite's YAML, every step's bindings and params, and the
    authority table in force. A product with validation errors is not locked (exit 1).
    """
    from ..assembly import find_assemblies, load_file
    from ..lock import write_lock

    explicit = bool(assemblies)
    if not assemblies:
        default = Path("assemblies")
        if not default.is_dir():
            raise click.UsageError("no assemblies/ folder here: name the product files or folders to lock")
        assemblies = (default,)
    files = find_assemblies(assemblies)
    if not explicit or any(p.is_dir() for p in assemblies):
        # Folders hold composites too: lock only the products among them (a named file is locked or refused).
        named = {p for p in assemblies if p.is_file()}
        files = [f for f in files if f in named or load_file(f).kind == "product"]
    if not files:
        raise UserError(f"no product files (*.yaml) under {', '.join(map(str, assemblies))}")
    catalog = load()
    out, err = console(), console(stderr=True)
    refused = 0
    for path in files:
        result = write_lock(path, catalog)
        if result.status == "refused":
            refused += 1
            err.print(f"not locked: {path}", markup=False, highlight=False)
            for d in result.diagnostics:
                err.print("  " + d.render().replace("\n", "\n  "), markup=False, highlight=False)
            for problem in result.problems:
                err.print(f"  {problem}", markup=False, highlight=False)
            continue
        out.print(f"{result.status}: {result.lock}", markup=False, highlight=False)
    if refused:
        raise UserError(f"{refused} of {len(files)} product{'s' * (len(files) != 1)} not locked",
                        "fix what is listed above, then run jimu lock again")
