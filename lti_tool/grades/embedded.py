"""The in-process worker of the embedded default (SQLite, one process): a daemon thread.

The lead's run path calls `start_embedded_worker(app)` when `settings.runs_embedded_grade_worker`;
`create_app` never starts threads (tests, CLI commands and the production web processes would
all get one).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask

from lti_tool.grades.worker import GradeWorker, build_worker, default_worker_name

EXTENSION_KEY = "emm_grade_worker"


@dataclass
class EmbeddedWorker:
    worker: GradeWorker
    thread: threading.Thread

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop()
        self.thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()


def start_embedded_worker(app: Flask, **worker_options) -> EmbeddedWorker:
    """Start (once per app) the daemon thread delivering grades; returns its handle."""
    running: EmbeddedWorker | None = app.extensions.get(EXTENSION_KEY)
    if running is not None and running.alive:
        return running
    worker = build_worker(app, name=f"embedded@{default_worker_name()}", **worker_options)

    def run() -> None:
        with app.app_context():
            worker.run()

    thread = threading.Thread(target=run, name="grade-worker", daemon=True)
    handle = EmbeddedWorker(worker=worker, thread=thread)
    app.extensions[EXTENSION_KEY] = handle
    thread.start()
    return handle
