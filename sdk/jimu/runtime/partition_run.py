"""One partition on one worker: read its rows, run the product, write its part files, count.

This is what a Dask worker runs (:func:`run_partition`); nothing here imports Dask. The plan
does not travel to the worker: a plan holds compiled closures and bound resources, which do
not pickle. The worker gets the assembly's *path* and the sha256 of its text, validates and
compiles it itself against its own installed catalog, and keeps the plan for the life of the
worker process (:func:`worker_plan`), so a run of 40 partitions compiles it once per worker.

Rows run through the engine the client chose for the whole run (:func:`choose_engine`):
:func:`jimu.runtime.batch.run_frame` (the vectorised engine) when it is installed, else
:func:`run_frame_by_records`, which maps the record engine over the rows and gives the outputs
and rejects the record file engine writes (the tests compare the two).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..masking import mask, mask_text
from .execute import RecordRejected, run_record
from .files import Summary, _output_row, output_columns
from .partitions import Partition, part_path, read_partition, write_part
from .plan import Plan

REJECT_COLUMNS = ["row", "reason", "record"]


class WorkerError(Exception):
    """A worker could not run its partition for a reason the user can act on (one line)."""


@dataclass(frozen=True)
class Job:
    """What every partition of one run shares: the product to compile and where the parts go."""

    assembly: str  # absolute path, readable by every worker
    digest: str  # sha256 of the assembly's text as the client read it
    plan_key: str  # id@version the client compiled: a worker with other plugins must not run silently
    output_dir: str
    output_suffix: str
    rejects_dir: str
    rejects_suffix: str
    engine: str = "record"  # or "batch": chosen once by the client, so every partition runs alike


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_partition(job: Job, part: Partition) -> Summary:
    """Run ``part`` of the input and write its parts; the partition's counts."""
    plan = worker_plan(job.assembly, job.digest, job.plan_key)
    try:
        table = read_partition(part)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError: a damaged data page
        raise WorkerError(f"cannot read {part.describe()}: {exc}") from None
    outputs, rejects = run_table(plan, table, part.first_row, job.engine)
    write_part(outputs, output_columns(plan), part_path(Path(job.output_dir), part, job.output_suffix))
    write_part(rejects, REJECT_COLUMNS, part_path(Path(job.rejects_dir), part, job.rejects_suffix))
    summary = summarise(plan, outputs, rejects)
    summary.rows_in = table.num_rows
    return summary


@lru_cache(maxsize=8)
def worker_plan(assembly: str, expected_digest: str, plan_key: str) -> Plan:
    """The plan, compiled once per worker process and assembly text."""
    from . import PlanError, load_plan

    where = socket.gethostname()
    path = Path(assembly)
    try:
        found = digest(path)
    except OSError as exc:
        raise WorkerError(f"worker on {where} cannot read the assembly {assembly}: {exc.strerror or exc}; "
                          f"workers need the assembly and the data on a file system they share") from None
    if found != expected_digest:
        raise WorkerError(f"the assembly {assembly} on worker {where} differs from the client's copy")
    try:
        plan = load_plan(path, _worker_catalog())
    except PlanError as exc:
        first = exc.diagnostics[0].render() if exc.diagnostics else str(exc)
        raise WorkerError(f"the assembly does not validate on worker {where} ({first}); "
                          f"install the same plugins on every worker") from None
    if plan.key != plan_key:
        raise WorkerError(f"worker {where} compiles {plan.key}, the client {plan_key}: install the same plugins "
                          f"on every worker")
    return plan


@lru_cache(maxsize=1)
def _worker_catalog():
    from ..plugins import load_catalog

    return load_catalog()


def run_table(plan: Plan, table: Any, first_row: int, engine: str = "record"):
    """The partition's (outputs, rejects) frames, from the vectorised engine or record by record."""
    if engine == "batch":
        from .batch import BatchUnsupported, run_frame

        try:
            # dates as datetime64, as the local batch engine reads Parquet (jimu.runtime.frames)
            return run_frame(plan, table.to_pandas(date_as_object=False), first_row)
        except BatchUnsupported:
            pass  # a plan the batch engine refuses as a whole: the record engine decides what it can do
    return _run_rows(plan, _present(table.to_pylist()), first_row)


def choose_engine() -> str:
    """``batch`` (the vectorised engine), or ``record`` when ``JIMU_DASK_RECORD_ENGINE=1`` asks for
    the record engine over each partition (to compare the two); the client asks once per run."""
    return "record" if os.environ.get("JIMU_DASK_RECORD_ENGINE") else "batch"


def run_frame_by_records(plan: Plan, frame: Any, first_row: int = 1):
    """The record engine over a frame's rows: ``(outputs, rejects)`` frames shaped as ``batch.run_frame``'s.

    Outputs have :func:`jimu.runtime.files.output_columns`, rejects ``row``, ``reason`` (masked)
    and ``record`` (masked); rows are numbered from ``first_row``. Missing values (None, NaN)
    are absent fields, as the file engine reads them. Raises :class:`jimu.runtime.RunFailed`.
    """
    rows = frame.to_dict("records")
    return _run_rows(plan, [{k: v for k, v in row.items() if not _missing(v)} for row in rows], first_row)


def _present(rows: list[dict]) -> list[dict]:
    """A Parquet null is an absent field, as ``files.read_rows`` gives it."""
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, float) and value != value  # NaN, pandas' marker of a missing number


def _run_rows(plan: Plan, rows: list[dict], first_row: int):
    import pandas as pd

    outputs, rejects = [], []
    for number, row in enumerate(rows, first_row):
        try:
            result = run_record(plan, row)
        except RecordRejected as exc:
            rejects.append({"row": number, "reason": mask_text(exc.reason), "record": mask(row)})
        else:
            outputs.append(_output_row(number, result))
    # object columns keep each value as the record engine made it (an int stays an int beside a None)
    return (pd.DataFrame(outputs, columns=output_columns(plan), dtype=object),
            pd.DataFrame(rejects, columns=REJECT_COLUMNS, dtype=object))


# -- counting -------------------------------------------------------------------------------------


def summarise(plan: Plan, outputs: Any, rejects: Any) -> Summary:
    """A partition's counts as the file engine keeps them: outcomes, referral/decline reasons, reject causes."""
    summary = Summary(rows_out=len(outputs), rejected=len(rejects))
    if plan.has_decision and len(outputs):
        for outcome, reasons in zip(outputs["decision"], outputs["reasons"], strict=True):
            if outcome is None:
                continue
            summary.outcomes[outcome] += 1
            if outcome != "approve":
                summary.reasons.update(_codes(reasons))
    groups = rejects["group"] if "group" in rejects.columns else [reject_group(str(r)) for r in rejects["reason"]]
    summary.rejects = Counter(groups)
    return summary


def _codes(value: Any) -> list[str]:
    if isinstance(value, str):  # an engine that kept them as JSON text
        return json.loads(value) if value.startswith("[") else [c for c in value.split(";") if c]
    return [] if value is None else [str(c) for c in value]


_INPUT = re.compile(r"input (\S+?):")
_STEP = re.compile(r"step (\S+) \(")


def reject_group(reason: str) -> str:
    """A reject's cause as the file engine groups it: ``input FIELD``, ``step PATH`` or ``unreadable row``."""
    if match := _INPUT.match(reason):
        return f"input {match.group(1)}"
    if match := _STEP.match(reason):
        return f"step {match.group(1)}"
    return "unreadable row"


def merge(total: Summary, part: Summary) -> None:
    total.rows_in += part.rows_in
    total.rows_out += part.rows_out
    total.rejected += part.rejected
    total.outcomes.update(part.outcomes)
    total.reasons.update(part.reasons)
    total.rejects.update(part.rejects)
