"""``jimu run``: a product on one record (with its trace) or on a whole file (with its summary)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..masking import mask, mask_text
from .common import UserError, console, load


@click.command("run")
@click.argument("assembly", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--record", help="one application as JSON: prints outputs, decision and trace")
@click.option("--input", "input_path", type=click.Path(exists=True, path_type=Path),
              help="a CSV, JSON-lines or Parquet file of applications (dask: a Parquet file or directory)")
@click.option("--output", type=click.Path(path_type=Path),
              help="where the decisions go (default out/<input name>.decisions.<same format>; "
                   "dask: the directory out/<input name>.decisions/)")
@click.option("--rejects", type=click.Path(path_type=Path),
              help="where rejected rows go with their reasons (default out/<input name>.rejects.jsonl)")
@click.option("--json", "as_json", is_flag=True, help="print JSON (the record's result, or the run's summary)")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="run --input in this process, or partition by partition on Dask")
@click.option("--scheduler", metavar="ADDRESS", help="dask: a running scheduler (tcp://host:8786), not a LocalCluster")
@click.option("--workers", type=click.IntRange(min=1), help="dask: LocalCluster worker processes (default 2)")
@click.option("--partition-rows", type=click.IntRange(min=1), help="rows per partition, both engines (default 50000): memory follows it, not the file size")
def run_command(assembly, record, input_path, output, rejects, as_json, engine, scheduler, workers,
                partition_rows) -> None:
    """Run a product on one record (--record) or a file (--input); exit 0 when the run completed."""
    if (record is None) == (input_path is None):
        raise click.UsageError("give exactly one of --record JSON or --input FILE")
    _check_engine_options(engine, record, scheduler, workers, partition_rows)
    from ..runtime import PlanError, RunFailed, load_plan
    from ..runtime.files import InputFileError, check_format

    catalog = load()
    _refuse_stale_lock(assembly, catalog)
    try:
        plan = load_plan(assembly, catalog)
    except PlanError as exc:
        err = console(stderr=True)
        for d in exc.diagnostics:
            err.print(d.render(), markup=False, highlight=False)
        raise UserError(f"{exc}; it cannot run", "run `jimu validate` on it and fix the errors first") from None
    try:
        if record is not None:
            _run_one(plan, record, as_json)
        elif engine == "dask":
            _run_distributed(plan, assembly, input_path, output, rejects, as_json,
                             scheduler=scheduler, workers=workers, partition_rows=partition_rows)
        else:
            if input_path.is_dir():
                raise UserError(f"--input {input_path} is a directory",
                                "a directory of Parquet part files runs with --engine dask")
            output = output or Path("out") / f"{input_path.stem}.decisions{input_path.suffix.lower()}"
            rejects = rejects or Path("out") / f"{input_path.stem}.rejects.jsonl"
            for path in (input_path, output, rejects):
                check_format(path)
            names = {p.resolve() for p in (input_path, output, rejects)}
            if len(names) < 3:
                raise UserError("--input, --output and --rejects must be three different files",
                                "writing the decisions over the input would destroy it")
            _run_file(plan, input_path, output, rejects, as_json, partition_rows)
    except InputFileError as exc:
        raise UserError(str(exc)) from None
    except RunFailed as exc:
        raise UserError(f"the run stopped: {mask_text(str(exc))}", "the step's on_error is fail") from None


def _check_engine_options(engine, record, scheduler, workers, partition_rows) -> None:
    dask_only = [name for name, value in (("--scheduler", scheduler), ("--workers", workers)) if value is not None]
    if engine != "dask" and dask_only:
        raise click.UsageError(f"{', '.join(dask_only)} only apply with --engine dask")
    if engine == "dask" and record is not None:
        raise click.UsageError("--engine dask runs files (--input); --record runs in this process")
    if scheduler and workers:
        raise click.UsageError("--workers sizes a LocalCluster; with --scheduler the cluster has its own workers")


def _run_distributed(plan, assembly: Path, source: Path, output, rejects, as_json: bool, **options) -> None:
    """--engine dask: Dask and pandas are imported only here, never on the rest of the CLI's paths."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..runtime.dask_engine import EngineError, run_dask

    stem = source.stem if source.is_file() else source.name
    output = output or Path("out") / f"{stem}.decisions"  # a directory of parts: no assembly into one file
    rejects = rejects or Path("out") / f"{stem}.rejects.jsonl"
    if len({p.resolve() for p in (source, output, rejects)}) < 3:
        raise UserError("--input, --output and --rejects must be three different paths",
                        "writing the decisions over the input would destroy it")
    options = {k: v for k, v in options.items() if v is not None}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("partitions"),
                  TextColumn("{task.fields[rows]:,} rows"), TimeElapsedColumn(), console=console(stderr=True),
                  transient=False) as bar:
        task = bar.add_task(f"{plan.id} on dask", total=None, rows=0)

        def progress(done: int, total: int, rows: int) -> None:
            bar.update(task, completed=done, total=total, rows=rows)

        try:
            summary = run_dask(plan, assembly, source, output, rejects, progress=progress, **options)
        except EngineError as exc:
            raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
        return
    _print_summary(plan, source, summary)


def _refuse_stale_lock(assembly: Path, catalog) -> None:
    """A product whose lock no longer matches what would run does not run (no lock: no check)."""
    from ..lock import lock_path, verify

    differences = verify(assembly, catalog)
    if differences:
        listed = "\n".join(f"  - {d.message}" for d in differences)
        raise UserError(f"{assembly} does not match its lock {lock_path(assembly)}, so it will not run:\n{listed}",
                        f"if the change is intended, run jimu lock {assembly}; else restore what the lock pins")


def _run_one(plan, text: str, as_json: bool) -> None:
    from ..runtime import RecordRejected, run_record

    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"--record is not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(record, dict):
        raise UserError("--record must be a JSON object of fields, e.g. '{\"resident_id\": \"…\"}'")
    try:
        result = run_record(plan, record, trace=True)
    except RecordRejected as exc:
        if as_json:
            click.echo(_printable(json.dumps({"rejected": mask_text(exc.reason)}, ensure_ascii=False)))
        else:
            console().print(_printable(f"rejected: {mask_text(exc.reason)}"), markup=False, highlight=False)
        return
    data = {
        "product": plan.key,
        "outputs": result.outputs,
        "decision": result.decision.model_dump(mode="json") if result.decision else None,
        "errors": [str(e) for e in result.errors],
        "trace": [t.__dict__ for t in result.trace],
    }
    data = mask(json.loads(json.dumps(data, ensure_ascii=False, default=str)))
    if as_json:
        click.echo(_printable(json.dumps(data, ensure_ascii=False, indent=2)))
        return
    _print_result(json.loads(_printable(json.dumps(data, ensure_ascii=False))))


def _print_result(data: dict) -> None:
    from rich.table import Table

    out = console()
    decision = data["decision"]
    if decision:
        colour = {"approve": "green", "refer": "yellow", "decline": "red"}[decision["outcome"]]
        reasons = ", ".join(decision["reasons"]) or "no reason codes"
        out.print(f"[bold {colour}]{decision['outcome'].upper()}[/] {reasons}", highlight=False)
        if decision.get("offer"):
            out.print(f"offer: {decision['offer']}", markup=False)
    for error in data["errors"]:
        out.print(f"[yellow]error[/]: {error}", highlight=False)
    out.print("outputs: " + json.dumps(data["outputs"], ensure_ascii=False), markup=False, highlight=False)
    table = Table(title=f"trace of {data['product']}", title_justify="left")
    for column in ("step", "capability", "status", "µs", "inputs → outputs / note"):
        table.add_column(column)
    for t in data["trace"]:
        detail = t["note"] or f"{_short(t['inputs'])} → {_short(t['outputs'])}"
        table.add_row(t["step"], t["capability"], t["status"], f"{t['duration_us']:.0f}", detail)
    out.print(table)


def _printable(text: str) -> str:
    """Lone surrogates (from a JSON escape such as \\ud800) shown escaped: they cannot be printed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _short(value, limit: int = 90) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_file(plan, source: Path, output: Path, rejects: Path, as_json: bool, partition_rows: int | None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..runtime.files import count_rows, run_file

    total = count_rows(source)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console(stderr=True), transient=False) as bar:
        task = bar.add_task(f"{plan.id}", total=total)
        summary = run_file(plan, source, output, rejects, progress=lambda done: bar.update(task, completed=done),
                           **({"partition_rows": partition_rows} if partition_rows else {}))
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False, indent=2))
        return
    _print_summary(plan, source, summary)


def _print_summary(plan, source: Path, s) -> None:
    from rich.table import Table

    out = console()
    rate = s.rows_in / s.seconds if s.seconds else 0
    out.print(f"{plan.key} over {source}: {s.rows_in} rows in, {s.rows_out} out, {s.rejected} rejected "
              f"in {s.seconds:.2f} s ({rate:,.0f} rows/s)", markup=False, highlight=False)
    table = Table(title="summary", title_justify="left", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for outcome in ("approve", "refer", "decline"):
        if s.outcomes.get(outcome):
            table.add_row(f"decision: {outcome}", str(s.outcomes[outcome]))
    for code, n in s.reasons.most_common(8):
        table.add_row(f"  reason {code}", str(n))
    for group, n in s.rejects.most_common():
        table.add_row(f"rejected: {group}", str(n))
    out.print(table)
    out.print(f"decisions: {s.output}\nrejects:   {s.rejects_file}", markup=False, highlight=False)
