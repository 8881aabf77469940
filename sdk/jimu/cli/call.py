"""``jimu call``: run one capability on a record or a small file, for HQ developers and demos.

Products run with ``jimu run``; this is the capability-level tool, with the same contract checks
and the same masking of identity numbers in what it prints.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click

from ..capability import Capability
from ..invoke import CapabilityError, invoke
from ..resources import MissingResource
from ..masking import mask
from .common import UserError, console, load, lookup


def read_records(path: Path) -> list[dict]:
    """Rows of a CSV (header line) or JSON-lines file, as dicts of strings/JSON values."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if path.suffix in (".jsonl", ".ndjson", ".json"):
        rows = []
        for line_no, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise UserError(f"{path}:{line_no}:{exc.colno}: not JSON: {exc.msg}") from None
        return rows
    return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(text.splitlines())]


@click.command("call")
@click.argument("ref", metavar="ID[@VERSION]")
@click.option("--record", help="one input record as JSON")
@click.option("--input", "input_path", type=click.Path(path_type=Path), help="a CSV or JSON-lines file of records")
@click.option("--params", "params_json", default="{}", help="params as JSON (checked against the contract)")
@click.option("--json", "as_json", is_flag=True, help="print JSON lines instead of a table")
def call_command(ref, record, input_path, params_json, as_json) -> None:
    """Run one capability on one record (--record) or on each row of a file (--input)."""
    if (record is None) == (input_path is None):
        raise click.UsageError("give exactly one of --record JSON or --input FILE")
    catalog = load()
    cap = lookup(catalog, ref)
    if not isinstance(cap, Capability):
        raise UserError(f"{cap.id} is a {cap.kind.value}, nothing to run")
    try:
        params = json.loads(params_json)
        records = [json.loads(record)] if record is not None else read_records(input_path)
    except json.JSONDecodeError as exc:
        raise UserError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(params, dict):
        raise UserError("--params must be a JSON object, e.g. '{\"max_age\": 100}'")
    results = [_call_one(cap, row, params, catalog) for row in records]
    if as_json:
        for row, (status, payload) in zip(records, results, strict=True):
            click.echo(json.dumps(mask({"input": row, status: payload}), ensure_ascii=False, default=str))
    else:
        _print_table(cap, records, results)
    if record is not None and results[0][0] != "output":
        raise UserError(f"{cap.key} could not run on this record: {mask(results[0][1])}")


def _call_one(cap, row, params, catalog) -> tuple[str, object]:
    from pydantic import ValidationError

    if not isinstance(row, dict):
        return "rejected", f"a record must be a JSON object with the input's fields, not {type(row).__name__}"
    try:
        return "output", invoke(cap, row, params, catalog=catalog,
                                resources=catalog.bind_resources()).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'record'}: {e['msg']}" for e in exc.errors())
        return "rejected", problems
    except (CapabilityError, MissingResource) as exc:
        return "error", str(exc)


def _print_table(cap, records, results) -> None:
    from rich.table import Table

    out_fields = list(cap.output.model_fields)
    table = Table(title=f"{cap.key} on {len(records)} record(s)", title_justify="left")
    in_fields = list(cap.input.model_fields)
    for name in in_fields:
        table.add_column(f"{name} (in)", style="dim")
    for name in out_fields:
        table.add_column(name)
    for row, (status, payload) in zip(records, results, strict=True):
        row = row if isinstance(row, dict) else {}
        inputs = [str(mask(row.get(name, ""))) for name in in_fields]
        if status == "output":
            cells = [_cell(mask(payload.get(name))) for name in out_fields]
        else:
            cells = [f"[red]{status}[/]: {mask(payload)}", *[""] * (len(out_fields) - 1)]
        table.add_row(*inputs, *cells)
    console().print(table)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
