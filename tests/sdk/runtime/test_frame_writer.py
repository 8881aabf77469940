"""Writing outputs a partition at a time: shared labels and reason lists encoded once per object.

The batch forms share one string or list object between the rows with the same label or reasons;
the writer encodes each distinct object once and writes the column as a Parquet dictionary. The
file must still read back as plain text columns, whichever partitions repeat and whichever do
not, and :func:`jimu.runtime.columns.by_identity` must never answer from a stale memo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jimu.runtime.columns import by_identity
from jimu.runtime.frames import FrameWriter


def shared(labels, rows):
    table = np.array(labels, dtype=object)
    return table[np.arange(rows) % len(labels)]


def distinct(rows):
    return np.array([f"L{i}" for i in range(rows)], dtype=object)


def frame(labels, reasons):
    return pd.DataFrame({"label": pd.Series(labels, dtype=object), "reasons": pd.Series(reasons, dtype=object)})


def lists(rows, shared_lists=True):
    table = np.empty(3, object)
    table[:] = [[], ["EW_A"], ["EW_A", "EW_B"]]
    out = table[np.arange(rows) % 3]
    return out if shared_lists else np.array([list(v) for v in out] + [], dtype=object)


def test_repeated_and_distinct_partitions_read_back_as_text(tmp_path):
    path = tmp_path / "out.parquet"
    writer = FrameWriter(path, ["label", "reasons"])
    parts = [frame(shared(["warn", "none"], 300), lists(300)),  # dictionary-encoded
             frame(distinct(200), lists(200, shared_lists=False)),  # plain text
             frame(shared(["critical"], 100), lists(100))]
    for part in parts:
        writer.write(part)
    writer.close()
    table = pq.read_table(path)
    assert table.schema.field("label").type == pa.string() and table.schema.field("reasons").type == pa.string()
    labels = table.column("label").to_pylist()
    assert labels[:2] == ["warn", "none"] and labels[300:302] == ["L0", "L1"] and labels[-1] == "critical"
    assert table.column("reasons").to_pylist()[:3] == ["[]", '["EW_A"]', '["EW_A", "EW_B"]']
    assert table.num_rows == 600


def test_a_plain_first_partition_then_a_repeated_one(tmp_path):
    path = tmp_path / "out.parquet"
    writer = FrameWriter(path, ["label", "reasons"])
    writer.write(frame(distinct(100), lists(100, shared_lists=False)))
    writer.write(frame(shared(["warn"], 300), lists(300)))
    writer.close()
    table = pq.read_table(path)
    assert table.column("label").to_pylist()[-1] == "warn" and table.num_rows == 400


def test_by_identity_answers_again_only_for_the_same_objects():
    a, b = ["x"], ["y"]
    values = np.empty(100, object)
    values[:] = [a, b] * 50
    first = by_identity(values)
    assert len(first[0]) == 2
    values[7] = ["z"]  # changed in place: the memo must not answer
    again, codes = by_identity(values)
    assert len(again) == 3 and again[codes[7]] == ["z"]
    assert [again[c] for c in codes[:3].tolist()] == [a, b, a]
