"""gunicorn's side of the multiprocess metrics (config/gunicorn.conf.py calls these).

Every worker writes its counters to files in `PROMETHEUS_MULTIPROC_DIR`; `/metrics` in any worker
adds them up. The directory must be set before a worker imports prometheus_client and must not
hold files of an earlier run (their counts would be added to this run's).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import MutableMapping
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
OWNED = "EMM_METRICS_DIR_MADE"  # set when the directory is ours to remove when the master exits


def prepare_metrics_dir(environ: MutableMapping[str, str] = os.environ) -> Path:
    """The directory from the environment (made if missing), or a new private one; emptied."""
    chosen = environ.get(VARIABLE)
    if not chosen:
        chosen = environ[OWNED] = tempfile.mkdtemp(prefix="emm-metrics-")
    directory = Path(chosen)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    environ[VARIABLE] = str(directory)
    return directory


def worker_exited(pid: int) -> None:
    """A dead worker's live gauges stop counting (its counters stay: they were counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)


def remove_own_metrics_dir(environ: MutableMapping[str, str] = os.environ) -> None:
    """When the master exits: the directory it made itself goes (one given to it stays)."""
    made = environ.pop(OWNED, None)
    if made:
        shutil.rmtree(made, ignore_errors=True)
