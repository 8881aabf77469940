"""Running a product over a file: rows in, decisions out, every bad row rejected with its reason.

The contract a branch relies on: **rows in = rows out + rows rejected**, whatever the file
holds. A row that cannot be read (bad bytes, wrong number of fields, not JSON), that does not
fit the product's inputs, or that a ``reject`` step turns away goes to the rejects file with
its row number and reason, identity numbers masked; every other row gets an output row with
the decision. Formats follow the file's suffix: ``.csv``, ``.jsonl`` (or ``.ndjson``),
``.parquet``.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..masking import mask, mask_text
from .execute import RecordRejected, run_record
from .plan import Plan

JSONL = (".jsonl", ".ndjson")
FORMATS = (".csv", *JSONL, ".parquet")


class InputFileError(Exception):
    """The file as a whole cannot be read (missing, unknown format, no header): the run cannot start."""


@dataclass
class BadRow:
    """A row that could not be read as a record; it becomes a reject."""

    reason: str
    raw: Any = None


@dataclass
class Summary:
    rows_in: int = 0
    rows_out: int = 0
    rejected: int = 0
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)  # reason codes on declines and referrals
    rejects: Counter = field(default_factory=Counter)  # reject reasons, grouped by kind
    output: str = ""
    rejects_file: str = ""

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_out + self.rejected

    def to_json(self) -> dict:
        return {
            "rows_in": self.rows_in, "rows_out": self.rows_out, "rejected": self.rejected,
            "seconds": round(self.seconds, 3), "outcomes": dict(self.outcomes), "reasons": dict(self.reasons),
            "rejects": dict(self.rejects), "output": self.output, "rejects_file": self.rejects_file,
        }


# -- reading ------------------------------------------------------------------------------------


def check_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputFileError(f"{path}: unknown format {suffix or '(no suffix)'!r}; use .csv, .jsonl or .parquet")
    return suffix


def count_rows(path: Path) -> int | None:
    """Rows in the file, for the progress bar (None when counting would cost a second read of a big file)."""
    suffix = check_format(path)
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception as exc:  # pyarrow's ArrowInvalid: the file is not Parquet
            raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
    with open(path, "rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return max(lines - 1, 0) if suffix == ".csv" else lines


def read_rows(path: Path, columns: Iterable[str] = ()) -> Iterator[dict[str, Any] | BadRow]:
    """Each row as a dict, or a :class:`BadRow` saying why it is not one. Never raises for a bad row.

    ``columns`` are the names the product expects: a CSV whose first line names none of them has
    no header line (its first applicant would be taken for column names), which is refused.
    """
    suffix = check_format(path)
    try:
        if suffix == ".csv":
            yield from _csv_rows(path, set(columns))
        elif suffix in JSONL:
            yield from _jsonl_rows(path)
        else:
            yield from _parquet_rows(path)
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def _csv_rows(path: Path, expected: set[str]) -> Iterator[dict[str, Any] | BadRow]:
    # read as a stream (memory bounded by a row, not the file); surrogateescape keeps undecodable
    # bytes as markers, so one bad row is rejected, not the file
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise InputFileError(f"{path}: the first line is not a CSV header ({exc})") from None
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        if not header or not any(h.strip() for h in header):
            raise InputFileError(f"{path}: no header line (the first line names the columns)")
        header = [h.strip() for h in header]
        if expected and not expected.intersection(header):
            raise InputFileError(f"{path}: the first line names none of the product's inputs "
                                 f"({', '.join(sorted(expected))}); is the header line missing?")
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a field beyond the csv module's size limit: that row only
                yield BadRow(f"row cannot be read as CSV: {exc}")
                continue
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # an empty or blank line: not a row
            if not any(c.strip() for c in cells):
                yield BadRow("row has no values")
                continue
            if len(cells) != len(header):
                yield BadRow(f"row has {len(cells)} fields, the header has {len(header)}", _safe(",".join(cells)))
                continue
            row = {h: c for h, c in zip(header, cells, strict=True) if c != ""}
            broken = next((h for h, c in row.items() if _has_bad_bytes(c)), None)
            if broken is not None:
                yield BadRow(f"field {broken} is not valid UTF-8 text", {k: _safe(v) for k, v in row.items()})
                continue
            yield row


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any] | BadRow]:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle):
            if number == 0:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # a byte-order mark some editors write
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield BadRow(f"line is not valid UTF-8 text (byte 0x{raw[exc.start]:02x})",
                             _safe(raw.decode("utf-8", errors="surrogateescape")))
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield BadRow(f"not JSON: {exc.msg} at column {exc.colno}", line.strip())
                continue
            except RecursionError:
                yield BadRow("JSON nested too deeply", line.strip()[:200])
                continue
            if not isinstance(value, dict):
                yield BadRow(f"a JSON {type(value).__name__}, not an object of fields", line.strip())
                continue
            # a null is an absent field, as an empty CSV cell and a Parquet null are (one meaning in every format)
            yield {k: v for k, v in value.items() if v is not None}


def _parquet_rows(path: Path) -> Iterator[dict[str, Any] | BadRow]:
    import pyarrow.parquet as pq

    try:
        file = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow's ArrowInvalid and friends: the file, not a row, is broken
        raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
    for batch in file.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            yield {k: v for k, v in row.items() if v is not None}


def _has_bad_bytes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _safe(text: str) -> str:
    """Undecodable bytes shown as \\xNN, so a rejects file is always valid UTF-8."""
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="backslashreplace")


# -- writing ------------------------------------------------------------------------------------


class RowWriter:
    """Rows to CSV, JSON lines or Parquet (Parquet is written when the writer closes)."""

    def __init__(self, path: Path, columns: list[str]):
        self.path, self.columns = path, columns
        self.suffix = check_format(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._rows: list[dict] = []
        # backslashreplace: a lone surrogate in a rejected record is written as \udXXX, not a crash
        self._handle = None if self.suffix == ".parquet" else open(path, "w", encoding="utf-8", newline="",
                                                                    errors="backslashreplace")
        self._csv = None
        if self.suffix == ".csv":
            self._csv = csv.DictWriter(self._handle, fieldnames=columns, extrasaction="ignore")
            self._csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self.suffix == ".parquet":
            self._rows.append({k: _text_safe(_jsonable(v)) for k, v in row.items()})
        elif self.suffix == ".csv":
            self._csv.writerow({k: _cell(v) for k, v in row.items()})
        else:
            self._handle.write(json.dumps(row, ensure_ascii=False, default=_jsonable) + "\n")

    def close(self) -> None:
        if self.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pylist(self._rows) if self._rows else pa.table({c: pa.array([], pa.string())
                                                                                      for c in self.columns})
            pq.write_table(table, self.path)
        elif self._handle is not None:
            self._handle.close()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value  # an Enum
    if isinstance(value, (list, tuple)):
        return json.dumps([_jsonable(v) for v in value], ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps({k: _jsonable(v) for k, v in value.items()}, ensure_ascii=False)
    return value


def _text_safe(value: Any) -> Any:
    return value.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(value, str) else value


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(_jsonable(v)) for v in value)
    return "" if value is None else _jsonable(value)


# -- the run ------------------------------------------------------------------------------------


#: Rows per partition of the batch engine: memory is bounded by this, not by the file's size.
PARTITION_ROWS = 50_000


def run_file(plan: Plan, source: Path, output: Path, rejects: Path, *, progress=None,
             partition_rows: int = PARTITION_ROWS, engine: str = "batch") -> Summary:
    """Run ``plan`` over every row of ``source``; write outputs and rejects; return the summary.

    The rows are read, run and written a partition of ``partition_rows`` at a time by the
    vectorised batch engine (:func:`jimu.runtime.batch.run_frame`); ``engine="record"`` runs
    them one by one through :func:`jimu.runtime.run_record` instead (the reference the batch
    engine is tested against; the same files come out). ``progress`` is called with the number
    of rows done so far (the CLI draws a bar with it). Raises :class:`InputFileError` when the
    file cannot be read at all (or the plan cannot run a partition at a time) and
    :class:`jimu.runtime.RunFailed` when a ``fail`` step stops the run.
    """
    if engine == "record":
        return _run_file_records(plan, source, output, rejects, progress=progress)
    from .batch import run_numbered
    from .frames import FrameWriter, parquet_records, partitions, refuse_unbatchable

    refuse_unbatchable(plan)
    summary = Summary(output=str(output), rejects_file=str(rejects))
    started = time.perf_counter()
    out = FrameWriter(output, output_columns(plan))
    bad = RowWriter(rejects, ["row", "reason", "record"])
    try:
        for frame, numbers, unreadable in partitions(source, plan.input_model.model_fields, partition_rows):
            for number, row in unreadable:
                _reject(bad, summary, number, row.reason, "unreadable row", row.raw)
            if len(frame):
                outputs, rejected = run_numbered(plan, frame, numbers)
                if len(rejected) and source.suffix.lower() == ".parquet":  # read with the product's columns only
                    rejected["record"] = [mask(r) for r in parquet_records(source, rejected["row"])]
                out.write(outputs)
                for row in rejected.itertuples(index=False):
                    bad.write({"row": int(row.row), "reason": row.reason, "record": row.record})
                    summary.rejects[row.group] += 1
                summary.rejected += len(rejected)
                summary.rows_out += len(outputs)
                _count_decisions(summary, outputs, plan)
            summary.rows_in += len(frame) + len(unreadable)
            if progress is not None:
                progress(summary.rows_in)
    finally:
        out.close()
        bad.close()
        summary.seconds = time.perf_counter() - started
    assert summary.balanced, "rows in must equal rows out + rows rejected"  # noqa: S101 - the contract itself
    return summary


def _count_decisions(summary: Summary, outputs: Any, plan: Plan) -> None:
    if not plan.has_decision or not len(outputs):
        return
    import numpy as np

    from .columns import by_identity

    # outcomes and reason lists are a few objects shared by many rows: each distinct one is
    # counted once, times its rows (a Python step per row was a twentieth of a run)
    outcomes, which = by_identity(outputs["decision"].to_numpy(dtype=object))
    for outcome, count in zip(outcomes.tolist(), np.bincount(which, minlength=len(outcomes)).tolist(), strict=True):
        if isinstance(outcome, str):
            summary.outcomes[outcome] += count
    not_approved = np.array([o != "approve" for o in outcomes.tolist()], bool)[which]
    lists, which = by_identity(outputs["reasons"].to_numpy(dtype=object)[not_approved])
    for codes, count in zip(lists.tolist(), np.bincount(which, minlength=len(lists)).tolist(), strict=True):
        for code in codes:
            summary.reasons[code] += count


def _run_file_records(plan: Plan, source: Path, output: Path, rejects: Path, *, progress=None) -> Summary:
    """The record engine over a file, row by row (the reference for the batch engine)."""
    summary = Summary(output=str(output), rejects_file=str(rejects))
    started = time.perf_counter()
    rows = read_rows(source, plan.input_model.model_fields)
    out = RowWriter(output, output_columns(plan))
    bad = RowWriter(rejects, ["row", "reason", "record"])
    try:
        for number, row in enumerate(rows, 1):
            summary.rows_in += 1
            if isinstance(row, BadRow):
                _reject(bad, summary, number, row.reason, "unreadable row", row.raw)
            else:
                try:
                    result = run_record(plan, row)
                except RecordRejected as exc:
                    group = f"input {exc.field}" if exc.field else f"step {exc.step}"
                    _reject(bad, summary, number, exc.reason, group, row)
                else:
                    out.write(_output_row(number, result))
                    summary.rows_out += 1
                    if result.decision is not None:
                        summary.outcomes[result.decision.outcome.value] += 1
                        if result.decision.outcome.value != "approve":
                            summary.reasons.update(result.decision.reasons)
            if progress is not None:
                progress(summary.rows_in)
    finally:
        out.close()
        bad.close()
        summary.seconds = time.perf_counter() - started
    assert summary.balanced, "rows in must equal rows out + rows rejected"  # noqa: S101 - the contract itself
    return summary


def _reject(writer: RowWriter, summary: Summary, number: int, reason: str, group: str, record: Any) -> None:
    writer.write({"row": number, "reason": mask_text(reason), "record": mask(record)})
    summary.rejected += 1
    summary.rejects[group] += 1


def output_columns(plan: Plan) -> list[str]:
    """The output file's columns: the row number, the product's outputs, the decision, any errors."""
    decision = ["decision", "reasons", "offer_limit", "offer_rate"] if plan.has_decision else []
    return ["row", *(name for name, _, _ in plan.outputs), *decision, "errors"]


def _output_row(number: int, result) -> dict[str, Any]:
    row: dict[str, Any] = {"row": number, **result.outputs}
    decision = result.decision
    if decision is not None:
        row["decision"] = decision.outcome.value
        row["reasons"] = list(decision.reasons)
        row["offer_limit"] = decision.offer.limit if decision.offer else None
        row["offer_rate"] = decision.offer.rate if decision.offer else None
    row["errors"] = [mask_text(str(e)) for e in result.errors]
    return row
