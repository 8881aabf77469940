"""Timing helpers shared by the bench scripts (a module, not a benchmark: ``bench/run.py`` skips ``_*.py``).

The machines are shared and noisy, so contenders are timed *interleaved*: round after round,
each runs its batch once, and each keeps its best round. A burst of someone else's load then
slows one round of every contender rather than all rounds of one, and the ratios stay honest.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping


def arguments(description: str) -> argparse.Namespace:
    """The options every bench script takes: ``--quick`` (tiny sizes, for the smoke test)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the script runs, measures nothing")
    return parser.parse_args()


def interleaved(contenders: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Best wall time in seconds of one call of each contender, over ``rounds`` interleaved rounds."""
    best = {name: float("inf") for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def goals_table(rows: list[tuple[str, str, bool]]) -> str:
    """The section's goals as the table ``bench/run.py`` collects into the summary: goal, figure, met."""
    lines = ["| goal | figure | met |", "|---|---|---|"]
    lines += [f"| {goal} | {figure} | {'yes' if met else '**no**'} |" for goal, figure, met in rows]
    return "\n".join(lines)


def top_frames(run: Callable[[], object], limit: int = 12, only: Callable[[str], bool] | None = None,
               by: str = "own") -> str:
    """Profile ``run`` with pyinstrument; the functions it spent most time in (self and total), as a table.

    For the sections of goals that are missed: the figure, and where its time goes. ``only``
    keeps the functions whose file path it accepts (Jimu's own code, say); ``by`` ranks them by
    their ``own`` time or their ``total`` (with what they call: for start-up, where imports
    spread the time thin).
    """
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        run()
    finally:
        profiler.stop()
    root = profiler.last_session.root_frame()
    own: dict[tuple[str, str], float] = {}
    inclusive: dict[tuple[str, str], float] = {}

    def walk(frame, active: frozenset) -> None:
        if frame.is_synthetic:  # pyinstrument's "[self]" leaves: already in their parent's self time
            return
        key = (frame.function or "?", f"{frame.file_path_short or '?'}:{frame.line_no}")
        own[key] = own.get(key, 0.0) + frame.total_self_time
        if key not in active:  # recursion counts once towards the total
            inclusive[key] = inclusive.get(key, 0.0) + frame.time
        for child in frame.children:
            walk(child, active | {key})

    walk(root, frozenset())
    total = root.time or 1.0
    ranking = own if by == "own" else inclusive
    lines = [f"Profile ({total:.2f} s sampled): the functions with the most time "
             f"{'of their own' if by == 'own' else 'including what they call'}.", "",
             "| function | where | own s | total s |", "|---|---|---:|---:|"]
    kept = [key for key in ranking if only is None or only(key[1])]
    for key in sorted(kept, key=lambda k: -ranking[k])[:limit]:
        lines.append(f"| `{key[0]}` | `{key[1]}` | {own.get(key, 0.0):.2f} | {inclusive.get(key, 0.0):.2f} |")
    return "\n".join(lines)
