"""Operations: readiness (``/ready``) and Prometheus metrics (``/metrics``). Liveness is ``/health``.

Metrics are read from the job store at scrape time, so every API process reports the same numbers
whichever one a scraper reaches; they need no key (scrape from your own network).
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from soundstage.api.edge import services
from soundstage.errors import NotFound, SoundstageError
from soundstage.jobs.models import JobState, StoreStats
from soundstage.jobs.worker import HEARTBEAT_SECONDS

__all__ = ["metrics", "prometheus_text", "ready"]

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PROBE_ID = "readiness-probe"  # a file id that never exists: its lookup proves the object store answers
ALIVE_BEATS = 3  # a worker silent for this many heartbeats is counted as gone


async def ready(request: Request) -> Response:
    """200 once the job store and the object store both answer; 503 naming the one that does not."""
    svc = services(request)
    checks: dict[str, str] = {}
    try:
        await svc.jobs.ping()
        checks["store"] = "ok"
    except SoundstageError as e:
        checks["store"] = str(e)

    def probe() -> None:
        try:
            svc.storage.stat(PROBE_ID)
        except NotFound:
            return

    try:
        await svc.jobs.run(probe)
        checks["storage"] = "ok"
    except SoundstageError as e:
        checks["storage"] = str(e)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ok else "unavailable", **checks},
                        status_code=200 if ok else 503)


async def metrics(request: Request) -> Response:
    stats = await services(request).jobs.stats()
    return PlainTextResponse(prometheus_text(stats, time.time()), media_type=PROMETHEUS_TYPE)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_text(stats: StoreStats, now: float) -> str:
    """The Prometheus text exposition format (0.0.4) of one snapshot of the store."""
    lines = ["# HELP soundstage_queue_depth Jobs waiting to start.", "# TYPE soundstage_queue_depth gauge"]
    for app in stats.apps:
        lines.append(f'soundstage_queue_depth{{app="{_label(app.app_id)}"}}'
                     f' {dict(app.states).get(JobState.QUEUED, 0)}')
    lines += ["# HELP soundstage_jobs Jobs in the store by state.", "# TYPE soundstage_jobs gauge"]
    for app in stats.apps:
        for state, n in app.states:
            lines.append(f'soundstage_jobs{{app="{_label(app.app_id)}",state="{state.value}"}} {n}')
    lines += ["# HELP soundstage_job_run_seconds Run time of finished jobs.",
              "# TYPE soundstage_job_run_seconds summary"]
    for app in stats.apps:
        label = _label(app.app_id)
        lines.append(f'soundstage_job_run_seconds_sum{{app="{label}"}} {app.run_seconds:.6f}')
        lines.append(f'soundstage_job_run_seconds_count{{app="{label}"}} {app.runs}')
    lines += [("# HELP soundstage_worker_heartbeat_timestamp_seconds"
               " Last heartbeat of each worker (unix time)."),
              "# TYPE soundstage_worker_heartbeat_timestamp_seconds gauge"]
    for w in stats.workers:
        lines.append(f'soundstage_worker_heartbeat_timestamp_seconds{{worker="{_label(w.id)}"}}'
                     f' {w.last_seen:.3f}')
    alive = sum(1 for w in stats.workers if now - w.last_seen < ALIVE_BEATS * HEARTBEAT_SECONDS)
    lines += ["# HELP soundstage_workers_alive Workers whose last heartbeat is recent.",
              "# TYPE soundstage_workers_alive gauge", f"soundstage_workers_alive {alive}"]
    return "\n".join(lines) + "\n"
