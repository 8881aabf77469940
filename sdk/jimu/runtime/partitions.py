"""A Parquet dataset cut into partitions, and partitions' part files put back together.

The distributed engine (:mod:`jimu.runtime.dask_engine`) never moves rows through its client:
the client reads only Parquet *metadata*, cuts the dataset into contiguous row ranges
(:class:`Partition`), and each worker reads its own range, runs it and writes its own part
files. Row numbers are fixed here, before anything runs, from the metadata: files in name
order, rows in file order, numbered from 1, exactly as the local engine numbers a single file.
So a reject's ``row`` means the same row whichever engine ran it.

Partitions follow the files' row groups where they can (a row group is the smallest unit
Parquet reads): small consecutive groups are joined up to the partition size, a big group is
cut into slices of it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .files import InputFileError, _jsonable

#: rows per partition unless told otherwise: big enough that scheduling costs nothing, small
#: enough that a worker holds a few hundred MB at most
PARTITION_ROWS = 50_000
PART = "part-{:05d}"


@dataclass(frozen=True)
class Partition:
    """Rows ``start`` … ``start + rows - 1`` (0-based, within ``file``), numbered from ``first_row``."""

    index: int
    file: str
    start: int
    rows: int
    first_row: int

    @property
    def name(self) -> str:
        return PART.format(self.index)

    def describe(self) -> str:
        return f"partition {self.index} (rows {self.first_row}-{self.first_row + self.rows - 1} of {self.file})"


def dataset_files(source: Path) -> list[Path]:
    """A Parquet file, or the ``*.parquet`` part files under a directory (hidden and ``_`` files skipped)."""
    if source.is_dir():
        files = sorted(p for p in source.rglob("*.parquet") if p.is_file()
                       and not any(part.startswith((".", "_")) for part in p.relative_to(source).parts))
        if not files:
            raise InputFileError(f"{source}: a directory with no .parquet part files")
        return files
    if source.suffix.lower() != ".parquet":
        raise InputFileError(f"{source}: the dask engine reads Parquet (a .parquet file or a directory of part "
                             f"files), not {source.suffix or 'a file without suffix'}; run it with --engine local, "
                             f"or convert it to Parquet")
    return [source]


def plan_partitions(source: Path, partition_rows: int = PARTITION_ROWS) -> list[Partition]:
    """Cut the dataset at ``source`` into partitions of at most about ``partition_rows`` rows."""
    import pyarrow.parquet as pq

    partitions: list[Partition] = []
    first_row = 1
    for path in dataset_files(source):
        try:
            meta = pq.ParquetFile(path).metadata
        except Exception as exc:  # pyarrow's ArrowInvalid and friends: the file, not a row, is broken
            raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None
        groups = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        for start, rows in _ranges(groups, partition_rows):
            partitions.append(Partition(len(partitions), str(path.resolve()), start, rows, first_row))
            first_row += rows
    return partitions


def _ranges(groups: list[int], limit: int) -> Iterator[tuple[int, int]]:
    """(start, rows) ranges covering the row groups: small ones joined, big ones sliced."""
    start = taken = 0
    for size in groups:
        if taken and taken + size > limit:
            yield start, taken
            start, taken = start + taken, 0
        if size > limit:  # a big row group: slices of `limit` (the last one carried on)
            whole, rest = divmod(size, limit)
            for _ in range(whole):
                yield start, limit
                start += limit
            taken = rest
        else:
            taken += size
    if taken:
        yield start, taken


def read_partition(part: Partition):
    """The partition's rows as an Arrow table (only the row groups it overlaps are read)."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(part.file)
    meta = file.metadata
    wanted, offset, skip = [], 0, None
    for i in range(meta.num_row_groups):
        size = meta.row_group(i).num_rows
        if offset + size > part.start and offset < part.start + part.rows:
            wanted.append(i)
            skip = part.start - offset if skip is None else skip
        offset += size
    if not wanted:
        return file.schema_arrow.empty_table()
    return file.read_row_groups(wanted).slice(skip, part.rows)  # a slice is a view: no copy


# -- part files -------------------------------------------------------------------------------------


def part_path(folder: Path, part: Partition, suffix: str) -> Path:
    return folder / f"{part.name}{suffix}"


def arrow_table(frame, columns: list[str]):
    """A partition's output or rejects frame as Arrow, values encoded as the local engine writes Parquet.

    Lists and dicts become JSON text, dates ISO text, enums their value (``files.RowWriter``'s
    encoding), so a distributed run's output reads back exactly as a local run's.
    """
    import pyarrow as pa

    data = {}
    for name in columns:
        if name not in frame.columns:
            data[name] = pa.nulls(len(frame), pa.string())
        elif getattr(frame[name].dtype, "kind", "O") in "biuf":  # numbers and booleans as they are
            data[name] = pa.array(frame[name], from_pandas=True)
        else:
            data[name] = _encoded(frame[name].to_numpy(dtype=object))
    return pa.table(data)


def _encoded(values) -> Any:
    """An object column as Arrow: text as it is (the common case, at C speed), anything else encoded."""
    import pyarrow as pa

    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)  # text and missing values only
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError):  # lists, numbers, lone surrogates…
        pass
    else:
        # a column with no value at all has no type yet: null, which any other part's type absorbs
        return pa.nulls(len(text)) if text.null_count == len(text) else text
    known: dict[tuple, str] = {}  # reason-code lists repeat: each distinct one is encoded once
    out = []
    for value in values:
        if type(value) is list:
            try:
                key = tuple(value)
                text = known.get(key)
                if text is None:
                    text = known[key] = _text(_jsonable(value))
            except TypeError:  # unhashable items (dicts): this one encoded on its own
                text = _text(_jsonable(value))
            out.append(text)
        else:
            out.append(_text(_jsonable(_plain(value))))
    return pa.array(out)


def write_part(frame, columns: list[str], path: Path) -> None:
    """Write one partition's frame as ``path``: Parquet, CSV or JSON lines by its suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(arrow_table(frame, columns), path)
        return
    from .files import RowWriter

    writer = RowWriter(path, columns)  # CSV and JSON lines: the local engine's own writer, row by row
    try:
        for row in frame[columns].to_dict("records") if len(frame) else []:
            writer.write({k: _plain(v) for k, v in row.items()})
    finally:
        writer.close()


def _plain(value: Any) -> Any:
    """A frame's cell as the record engine holds it: NumPy values as Python's, missing markers as None."""
    if isinstance(value, (str, list, tuple, dict)):
        return value
    if hasattr(value, "tolist"):  # NumPy scalars and arrays (a batch engine's list column)
        value = value.tolist()
        if isinstance(value, list):
            return value
    import pandas as pd

    try:
        return None if pd.isna(value) else value  # NaN, NaT, pd.NA
    except (TypeError, ValueError):
        return value


def _text(value: Any) -> Any:
    return value.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(value, str) else value


# -- putting the parts together ----------------------------------------------------------------------


def is_dataset_path(path: Path) -> bool:
    """An output path without a file suffix we write is a directory of Parquet part files."""
    return path.suffix.lower() not in (".parquet", ".csv", ".jsonl", ".ndjson")


def part_suffix(target: Path) -> str:
    """Workers write parts in the target's format (Parquet for a directory)."""
    return ".parquet" if is_dataset_path(target) else target.suffix.lower()


def check_target(target: Path, what: str, source: Path) -> None:
    """Refuse to replace a directory that is not a previous run's output (it may hold someone's files)."""
    if source.is_dir() and target.resolve().is_relative_to(source.resolve()):
        raise InputFileError(f"{what} {target} is inside the input directory {source}: the next run would read "
                             f"it as input")
    if target.is_file() and is_dataset_path(target):
        raise InputFileError(f"{what} {target} is a file; a path without .parquet, .csv or .jsonl is written as a "
                             f"directory of part files")
    if target.is_dir() and is_dataset_path(target):
        strangers = [p.name for p in target.iterdir() if not (p.name.startswith("part-") and p.suffix == ".parquet")]
        if strangers:
            raise InputFileError(f"{what} {target} is a directory holding other files ({', '.join(strangers[:3])}); "
                                 f"give an empty or new directory, or a file name ending in .parquet")
    elif target.is_dir():
        raise InputFileError(f"{what} {target} is a directory; give a file name or a directory without suffix")


def assemble(folder: Path, parts: list[Partition], target: Path, columns: list[str]) -> None:
    """Turn the part files in ``folder`` into ``target``: a directory of parts, or one file.

    Parquet parts may disagree on a column's type (a column all empty in one partition is
    ``null``, an integer column with a gap may be ``double`` in another): they are cast to one
    schema unified over all parts first, so the dataset reads as one table.
    """
    suffix = part_suffix(target)
    files = [part_path(folder, p, suffix) for p in parts]
    if suffix == ".parquet":
        _assemble_parquet(files, target, columns)
    else:
        _concatenate_text(files, target, header=suffix == ".csv", columns=columns)


def _assemble_parquet(files: list[Path], target: Path, columns: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = [pq.read_schema(f) for f in files]
    schema = _unified(schemas, columns)
    if is_dataset_path(target):
        staging = target.with_name(f".{target.name}.assembling")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for f, s in zip(files, schemas, strict=True):
            if s.equals(schema):
                shutil.move(f, staging / f.name)  # a move, not a rename: the parts may be on another disk
            else:
                pq.write_table(pq.read_table(f).cast(schema), staging / f.name)
        if not files:
            pq.write_table(schema.empty_table(), staging / f"{PART.format(0)}.parquet")
        if target.exists():
            shutil.rmtree(target)
        staging.replace(target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(target, schema) as writer:
        for f in files:  # one part in memory at a time: memory bounded by the partition, not the file
            table = pq.read_table(f)
            if table.num_rows:
                writer.write_table(table.cast(schema))
        if not files:
            writer.write_table(pa.table({c: pa.array([], pa.string()) for c in columns}).cast(schema))


def _unified(schemas: list, columns: list[str]):
    import pyarrow as pa

    if not schemas:
        return pa.schema([(c, pa.string()) for c in columns])
    fields = []
    for name in schemas[0].names:
        try:
            fields.append(pa.unify_schemas([pa.schema([s.field(name)]) for s in schemas],
                                           promote_options="permissive").field(name))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # text in one part, numbers in another: text holds both
            fields.append(pa.field(name, pa.string()))
    return pa.schema(fields)


def _concatenate_text(files: list[Path], target: Path, *, header: bool, columns: list[str]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        if header:
            out.write((",".join(columns) + "\r\n").encode("utf-8"))
        for f in files:
            with open(f, "rb") as part:
                if header:
                    part.readline()  # every part starts with the same header line
                shutil.copyfileobj(part, out, 1 << 20)


def read_rows_back(path: Path) -> list[dict[str, Any]]:
    """Every row of an output (file or directory of parts), in row order: for tests and comparisons."""
    import pyarrow.parquet as pq

    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda r: r["row"])
