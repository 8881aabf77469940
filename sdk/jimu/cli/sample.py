"""``jimu sample NAME [--rows N] [--seed S] --out FILE``: demo data from the installed plugins."""

from __future__ import annotations

from pathlib import Path

import click

from .common import UserError, console, load


@click.command("sample")
@click.argument("name", required=False)
@click.option("--rows", type=click.IntRange(min=1), help="how many rows (default: the sample's own)")
@click.option("--seed", type=int, default=42, show_default=True, help="seed of every synthetic field")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="a .csv, .jsonl or .parquet file")
def sample_command(name, rows, seed, out) -> None:
    """Write a sample data set (applicants, loans…) offered by the installed plugins; no NAME lists them."""
    catalog = load()
    if not name:
        for sample in sorted(catalog.samples.values(), key=lambda s: s.name):
            console().print(f"{sample.name}: {sample.description}", markup=False, highlight=False)
        return
    sample = catalog.samples.get(name)
    if sample is None:
        known = ", ".join(sorted(catalog.samples)) or "none installed"
        raise UserError(f"no sample named {name!r}", f"samples: {known}")
    if out is None:
        raise click.UsageError("give --out FILE (.csv, .jsonl or .parquet)")
    from ..runtime.files import InputFileError, RowWriter

    try:
        produced = iter(sample.generate(rows or sample.default_rows, seed))
        first = next(produced, None)
        columns = list(sample.columns or (first or {}).keys())
        writer = RowWriter(out, columns)
    except InputFileError as exc:
        raise UserError(str(exc)) from None
    count = 0
    try:
        for row in ([first] if first is not None else []):
            writer.write(row)
            count += 1
        for row in produced:
            writer.write(row)
            count += 1
    finally:
        writer.close()
    console(stderr=True).print(f"wrote {count} rows of {name} (seed {seed}) to {out}"
                               + (f"\n  source: {sample.source}" if sample.source else ""), markup=False,
                               highlight=False)
