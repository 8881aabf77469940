"""The record engine as the batch engine's reference: both run on the same rows, compared row by row."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from jimu.masking import mask_text
from jimu.runtime import RecordRejected, run_record
from jimu.runtime.batch import run_frame


def plain(value: Any) -> Any:
    """One cell as a comparable Python value: NaN, NA and NaT are None, NumPy scalars are Python's."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):
        return value.value  # an Enum
    return value


def by_records(plan, records: list[dict]) -> tuple[list[dict], list[dict]]:
    """Outputs and rejects as run_file would write them, from the record engine."""
    outputs, rejects = [], []
    for number, record in enumerate(records, 1):
        row = {k: v for k, v in record.items() if v is not None and not (isinstance(v, float) and math.isnan(v))}
        try:
            result = run_record(plan, row)
        except RecordRejected as exc:
            rejects.append({"row": number, "reason": mask_text(exc.reason)})
            continue
        out = {"row": number, **result.outputs}
        if result.decision is not None:
            d = result.decision
            out.update(decision=d.outcome.value, reasons=list(d.reasons),
                       offer_limit=d.offer.limit if d.offer else None, offer_rate=d.offer.rate if d.offer else None)
        out["errors"] = [mask_text(str(e)) for e in result.errors]
        outputs.append(plain(out))
    return outputs, rejects


def by_batch(plan, records: list[dict], frame: pd.DataFrame | None = None) -> tuple[list[dict], list[dict]]:
    frame = pd.DataFrame(records) if frame is None else frame
    outputs, rejects = run_frame(plan, frame)
    outs = [plain(r) for r in outputs.to_dict("records")]
    bad = [{"row": int(r["row"]), "reason": r["reason"]} for r in rejects.to_dict("records")]
    return outs, bad


def assert_same(plan, records: list[dict], frame: pd.DataFrame | None = None) -> tuple[list[dict], list[dict]]:
    expected = by_records(plan, records)
    got = by_batch(plan, records, frame)
    assert got[1] == expected[1], (got[1], expected[1])
    assert len(got[0]) == len(expected[0])
    for mine, theirs in zip(got[0], expected[0], strict=True):
        assert mine == theirs, {k: (mine.get(k), theirs.get(k)) for k in theirs if mine.get(k) != theirs.get(k)}
    assert len(got[0]) + len(got[1]) == len(records)
    return got
