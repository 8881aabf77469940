"""Files a partition at a time, for the batch engine: frames in, frames out, memory bounded.

Reading keeps :mod:`jimu.runtime.files`' contract: Parquet is read ``partition_rows`` rows at a
time (``iter_batches``); CSV and JSON lines go through :func:`jimu.runtime.files.read_rows`,
whose careful handling of bad rows (bad bytes, ragged rows, broken JSON) is the same for both
engines, gathered into frames of ``partition_rows`` rows. Each partition comes with its rows'
numbers (an unreadable row keeps its number and goes straight to the rejects).

Writing is incremental: each partition's outputs are appended (Parquet through one
``ParquetWriter``, row groups of a partition; CSV and JSON lines through the record engine's
:class:`~jimu.runtime.files.RowWriter`), encoded as the record engine writes them, so a file run
by either engine reads back the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .columns import by_identity, objects, repeats
from .files import BadRow, InputFileError, RowWriter, _jsonable, _text_safe, check_format, read_rows
from .plan import Plan

Partition = tuple[pd.DataFrame, np.ndarray, list[tuple[int, BadRow]]]


def refuse_unbatchable(plan: Plan) -> None:
    """:class:`InputFileError` when the plan has an aggregate step (it cannot run per partition)."""
    from .batch import BatchUnsupported, _refuse_aggregates

    try:
        _refuse_aggregates(plan)
    except BatchUnsupported as exc:
        raise InputFileError(str(exc)) from None


def partitions(path: Path, columns: Iterable[str], partition_rows: int) -> Iterator[Partition]:
    """``(frame, row numbers, unreadable rows)`` for each partition of the file."""
    suffix = check_format(path)
    if suffix == ".parquet":
        yield from _parquet_partitions(path, partition_rows, columns)
        return
    rows, numbers, unreadable = [], [], []
    for number, row in enumerate(read_rows(path, columns), 1):
        if isinstance(row, BadRow):
            unreadable.append((number, row))
        else:
            rows.append(row)
            numbers.append(number)
        if len(rows) + len(unreadable) >= partition_rows:
            yield _records_frame(rows), np.array(numbers, np.int64), unreadable
            rows, numbers, unreadable = [], [], []
    if rows or unreadable:
        yield _records_frame(rows), np.array(numbers, np.int64), unreadable


def _records_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Records (absent fields left out) as a frame of object columns, None where a field is absent."""
    from .batch import object_frame

    names = list(dict.fromkeys(name for row in rows for name in row))
    data = {}
    for name in names:
        data[name] = objects([row.get(name) for row in rows])
    return object_frame(data) if names else pd.DataFrame(index=range(len(rows)))


def _parquet_partitions(path: Path, partition_rows: int, columns: Iterable[str] = ()) -> Iterator[Partition]:
    """The file's rows, ``partition_rows`` at a time, with only the columns the product reads
    (``columns``; all when empty): a loan book carries twice as many columns as monitoring reads,
    and decoding them was a tenth of the run. A rejected row's record is read whole again
    (:func:`parquet_records`), so the rejects file still holds every field."""
    file = _parquet_file(path)
    wanted = set(columns)
    names = file.schema_arrow.names
    projection = [name for name in names if name in wanted] if wanted else None
    first = 1
    for batch in file.iter_batches(batch_size=partition_rows, columns=projection):
        frame = batch.to_pandas(date_as_object=False)
        yield frame, np.arange(first, first + len(frame), dtype=np.int64), []
        first += len(frame)


def _parquet_file(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        # pre_buffer off: with it, the reader keeps what it buffered, and memory grew with the file
        # (measured: 240 to 430 MiB over 2,000,000 rows; without it, flat at about 310 MiB)
        return pq.ParquetFile(path, pre_buffer=False)
    except Exception as exc:  # pyarrow's ArrowInvalid and friends: the file, not a row, is broken
        raise InputFileError(f"{path}: not a readable Parquet file ({exc})") from None


def parquet_records(path: Path, numbers: Iterable[int]) -> list[dict[str, Any]]:
    """The rows numbered ``numbers`` (1-based, ascending) of a Parquet file, every column, as the
    batch engine's rejects hold them (nulls left out): the row groups holding them are read whole,
    one at a time (rejects are few; a partition read them with only the product's columns)."""
    from .batch import _scalar_raw

    file = _parquet_file(path)
    meta = file.metadata
    starts = np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
    records, loaded, frame = [], -1, None
    for number in numbers:
        position = int(number) - 1
        group = int(np.searchsorted(starts, position, side="right")) - 1
        if group != loaded:
            frame, loaded = file.read_row_group(group).to_pandas(date_as_object=False), group
        i = position - int(starts[group])
        records.append({k: v for k, v in ((c, _scalar_raw(frame[c].iloc[i])) for c in frame.columns) if v is not None})
    return records


class FrameWriter:
    """Output frames appended to a CSV, JSON-lines or Parquet file, encoded as the record engine writes."""

    def __init__(self, path: Path, columns: list[str]):
        self.path, self.columns = path, columns
        self.suffix = check_format(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._rows = RowWriter(path, columns) if self.suffix != ".parquet" else None
        self._parquet = None
        self._schema = None
        self._json: dict[tuple, str] = {}  # reason lists repeat: each distinct one is encoded once

    def write(self, frame: pd.DataFrame) -> None:
        if self._rows is not None:
            for row in _plain_rows(frame, self.columns):
                self._rows.write(row)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({name: self._arrow(frame[name]) for name in self.columns})
        if self._parquet is None:
            self._schema = table.schema
            # without Arrow's schema in the file, a dictionary-encoded column reads back as the
            # plain text column the record engine writes (the Parquet types say all the rest)
            self._parquet = pq.ParquetWriter(self.path, self._schema, store_schema=False)
        elif table.schema != self._schema:
            table = _conform(table, self._schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        if self._rows is not None:
            self._rows.close()
            return
        if self._parquet is None:  # no rows at all: still a file with the columns
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({c: pa.array([], pa.string()) for c in self.columns}), self.path)
            return
        self._parquet.close()

    def _arrow(self, column: pd.Series) -> Any:
        import pyarrow as pa

        dtype = column.dtype
        if dtype.kind in "biuf" or str(dtype) in ("Int64", "boolean"):
            return pa.array(column, from_pandas=True)
        values = column.to_numpy(dtype=object)
        if len(values) and type(values[0]) in (list, str) and repeats(values):
            # labels and lists of reason codes, shared by the rows that have the same ones: each
            # encoded once, written as a dictionary (Parquet's own encoding of repeated text)
            distinct, codes = by_identity(values)
            if len(distinct) * 4 <= len(values):
                words = self._arrow(pd.Series(distinct, dtype=object))
                if pa.types.is_string(words.type) and words.null_count == 0:
                    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), words)
                return words.take(pa.array(codes))
        fast = _text_column(values)
        if fast is not None:
            return fast
        encoded = [self._encode(v) for v in values]
        first = next((v for v in encoded if v is not None), None)
        if isinstance(first, bool):
            return pa.array(encoded, pa.bool_())
        if isinstance(first, (int, float)):
            return pa.array(encoded)
        return pa.array(encoded, pa.string())

    def _encode(self, value: Any) -> Any:
        """:class:`RowWriter`'s Parquet encoding: lists and dicts as JSON text, dates ISO text."""
        if value is None or (isinstance(value, float) and value != value):
            return None
        if type(value) is list:
            if not value:
                return "[]"
            key = tuple(value)
            try:
                text = self._json.get(key)
            except TypeError:  # unhashable items: encode this one
                return _text_safe(_jsonable(value))
            if text is None:
                text = self._json[key] = _text_safe(_jsonable(value))
            return text
        if type(value) is str:
            return _text_safe(value)
        return _text_safe(_jsonable(value))


def _text_column(values: np.ndarray) -> Any:
    """A column of text, or of lists of text, as Arrow in C: lists become the JSON text
    ``json.dumps(items, ensure_ascii=False)`` writes (built by joining, when no item needs
    escaping). None when the column holds anything else (the caller encodes it value by value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    inferred = pd.api.types.infer_dtype(values, skipna=True)
    try:
        if inferred in ("string", "empty"):
            return pa.array(values, pa.string(), from_pandas=True)
        if inferred != "mixed":
            return None
        lists = pa.array(values, pa.list_(pa.string()), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError, TypeError):
        return None  # not all text (or a lone surrogate): encoded one by one
    flat = pc.list_flatten(lists)
    if len(flat) and pc.any(pc.match_substring_regex(flat, '["\\\\\x00-\x1f\x7f]')).as_py():
        return None  # an item JSON must escape
    joined = pc.binary_join_element_wise('["', pc.binary_join(lists, '", "'), '"]', "")
    empty = pc.equal(pc.list_value_length(lists), 0)
    return pc.if_else(empty, pa.scalar("[]"), joined)


def _conform(table: Any, schema: Any) -> Any:
    """A later partition's table in the first one's schema (an all-null column has Arrow's null type)."""
    import pyarrow as pa

    import pyarrow.compute as pc

    columns = []
    for field in schema:
        column = table.column(field.name)
        if column.type != field.type:
            try:
                if pa.types.is_dictionary(field.type) and not pa.types.is_dictionary(column.type):
                    column = pc.dictionary_encode(column.cast(field.type.value_type))  # labels that did not repeat
                column = column.cast(field.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise InputFileError(f"output column {field.name} changed type between partitions "
                                     f"({field.type} then {column.type})") from None
        columns.append(column)
    return pa.table(columns, schema=schema)


def _plain_rows(frame: pd.DataFrame, columns: list[str]) -> Iterator[dict[str, Any]]:
    """Rows as the record engine's dicts: pandas' missing markers as None, NumPy scalars as Python's."""
    arrays = {}
    for name in columns:
        column = frame[name]
        values = column.to_numpy(dtype=object)
        if column.dtype.kind == "f" or str(column.dtype) in ("Int64", "boolean"):
            values = np.array([None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                               for v in values], dtype=object)
        arrays[name] = values
    for i in range(len(frame)):
        yield {name: _scalar(arrays[name][i]) for name in columns}


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value



