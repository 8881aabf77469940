"""The distributed engine: a product over a Parquet dataset, partition by partition, on Dask.

``jimu run … --engine dask`` comes here. The client reads only the input's Parquet metadata,
cuts it into partitions (:mod:`jimu.runtime.partitions`) and submits one task per partition
to a Dask ``distributed`` cluster: a ``LocalCluster`` of worker processes bound to 127.0.0.1
with the dashboard off, or the scheduler at ``--scheduler``. Each worker compiles the plan
itself from the assembly's path (plans hold closures and do not pickle), reads its rows,
runs them and writes its part files (:mod:`jimu.runtime.partition_run`); only counts come
back. When every partition is done the parts become the outputs: a directory of Parquet part
files, or one file. The contract is the file engine's: rows in = rows out + rows rejected,
rejects with their reasons, identities masked, the same summary.

Dask and pandas are imported here and on the workers only, never by ``jimu`` itself.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..masking import mask_text
from .execute import RunFailed
from .files import Summary, output_columns
from .partition_run import REJECT_COLUMNS, Job, WorkerError, choose_engine, digest, merge, run_partition
from .partitions import PARTITION_ROWS, Partition, assemble, check_target, part_path, part_suffix, plan_partitions
from .plan import Plan

#: how long to wait for a scheduler given by address before saying it cannot be reached, unless
#: Dask's own setting is given (DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT): Dask's 30 s is long to
#: wait for a typo
CONNECT_TIMEOUT = "10s"


class EngineError(Exception):
    """The distributed run could not start or complete (one line, for the command line)."""


def run_dask(plan: Plan, assembly: Path, source: Path, output: Path, rejects: Path, *,
             scheduler: str | None = None, workers: int = 2, partition_rows: int = PARTITION_ROWS,
             engine: str | None = None, progress: Callable[[int, int, int], None] | None = None) -> Summary:
    """Run ``plan`` (compiled from ``assembly``) over the Parquet dataset ``source`` on Dask.

    ``output`` and ``rejects`` ending in ``.parquet``, ``.csv`` or ``.jsonl`` are written as one
    file; any other path is a directory of Parquet part files (``part-00000.parquet`` …).
    ``progress(partitions_done, partitions, rows_done)`` is called at the start and after each
    partition. ``engine`` is ``batch`` (vectorised) or ``record``; by default the batch engine
    when it is installed. Raises :class:`jimu.runtime.files.InputFileError` (the input cannot be
    read), :class:`RunFailed` (an ``on_error: fail`` step stopped the run) and
    :class:`EngineError` (the cluster failed).
    """
    started = time.perf_counter()
    _require_dask()
    parts = plan_partitions(source, partition_rows)
    check_target(output, "--output", source)
    check_target(rejects, "--rejects", source)
    output, rejects = output.resolve(), rejects.resolve()
    staging = output.parent / f".{output.name}.parts-{secrets.token_hex(4)}"
    job = Job(str(assembly.resolve()), digest(assembly), plan.key, str(staging / "decisions"), part_suffix(output),
              str(staging / "rejects"), part_suffix(rejects), engine or choose_engine())
    summary = Summary(output=str(output), rejects_file=str(rejects))
    try:
        if parts:
            with _terminate_cleanly(), _client(scheduler, workers) as client:
                _run_all(client, job, parts, summary, progress)
        elif progress is not None:
            progress(0, 0, 0)
        expected = sum(p.rows for p in parts)
        if summary.rows_in != expected or not summary.balanced:  # the contract, before anything is written
            raise EngineError(f"the partitions read {summary.rows_in} rows of {expected}, wrote {summary.rows_out} "
                              f"and rejected {summary.rejected}: rows in must equal rows out + rows rejected")
        _write_outputs(plan, job, parts, staging, output, rejects)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _write_outputs(plan: Plan, job: Job, parts: list[Partition], staging: Path, output: Path, rejects: Path) -> None:
    missing = [p.name for p in parts if not part_path(Path(job.output_dir), p, job.output_suffix).exists()]
    if missing:
        raise EngineError(f"the workers' parts ({missing[0]}…) are not in {staging}: the workers must share "
                          f"the file system of --output with this machine")
    try:
        assemble(Path(job.output_dir), parts, output, output_columns(plan))
        assemble(Path(job.rejects_dir), parts, rejects, REJECT_COLUMNS)
    except OSError as exc:
        raise EngineError(f"cannot write the outputs: {exc.strerror or exc} ({exc.filename})") from None


def _require_dask() -> None:
    try:
        import distributed  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as exc:
        raise EngineError(f"--engine dask needs {exc.name}, which is not installed: pip install 'jimu[dask]'") from None


def _run_all(client, job: Job, parts: list[Partition], summary: Summary, progress) -> None:
    from distributed import as_completed

    if progress is not None:
        progress(0, len(parts), 0)
    futures = {client.submit(run_partition, job, part, pure=False, key=f"jimu-{part.name}-{secrets.token_hex(4)}"):
               part for part in parts}
    done = 0
    try:
        for future in as_completed(futures, loop=client.loop):
            part = futures[future]
            try:
                result = future.result()
            except RunFailed:
                raise
            except WorkerError as exc:  # the worker said what is wrong: its words
                raise EngineError(str(exc)) from None
            except Exception as exc:
                raise EngineError(_worker_failure(part, exc)) from None
            merge(summary, result)
            done += 1
            if progress is not None:
                progress(done, len(parts), summary.rows_in)
    except BaseException:  # an error, or Ctrl-C: stop what is still queued on a shared cluster
        client.cancel(list(futures), force=True)
        raise


def _worker_failure(part: Partition, exc: Exception) -> str:
    name = type(exc).__name__
    if name == "KilledWorker":
        return f"{part.describe()}: the worker running it died (out of memory?); try a smaller --partition-rows"
    if name == "CancelledError":
        return f"{part.describe()} was cancelled: the cluster lost it (a worker or the scheduler went away)"
    detail = " ".join(mask_text(str(exc)).split())  # one line, even for pydantic's many
    if len(detail) > 300:
        detail = detail[:299] + "…"
    return f"{part.describe()} failed on a worker: {name}: {detail}"


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator:
    """A client to the scheduler at ``scheduler``, or to a LocalCluster made (and shut down) here."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=_connect_timeout(), set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {scheduler}: {exc or type(exc).__name__}") from None
        try:
            yield client
        finally:
            client.close()
        return
    try:
        # worker processes (not threads): the record engine holds the GIL; 127.0.0.1 and no
        # dashboard: a bank's desktop must not open ports to the network. Without a dashboard the
        # scheduler still serves its health and metrics routes, by default on port 8787 (a second
        # run warns that it is taken): any free port on 127.0.0.1 instead.
        with _children_ignore_ctrl_c():
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                   silence_logs=logging.CRITICAL)  # failures are reported here, in one line
    except Exception as exc:
        raise EngineError(f"cannot start a local Dask cluster: {type(exc).__name__}: {exc}") from None
    try:
        client = Client(cluster, set_as_default=False)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


def _connect_timeout() -> str:
    import os

    return os.environ.get("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT") or CONNECT_TIMEOUT


@contextmanager
def _children_ignore_ctrl_c() -> Iterator[None]:
    """Start worker processes with Ctrl-C ignored: the client shuts them down in order.

    A terminal sends Ctrl-C's SIGINT to every process of the job; workers that died of it on
    their own would race the client's shutdown and spill asyncio tracebacks. An ignored signal
    stays ignored across the spawn's exec, and Python then installs no handler of its own. The
    price: a Ctrl-C in the few seconds the cluster takes to start is ignored by the client too.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """SIGTERM (a job scheduler stopping the run) unwinds like Ctrl-C: cluster shut down, parts removed."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
