"""The ``soundstage`` command: serve | worker | keys (and models/voices from the speech package)."""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from soundstage import __version__
from soundstage.errors import ConfigError, SoundstageError
from soundstage.settings import LOOPBACK_HOSTS, Settings
from soundstage.stopping import EXIT_STOP_OVERRUN, StopRequest

__all__ = ["build_parser", "main"]

log = logging.getLogger("soundstage")

HTTP_DRAIN_SECONDS = 5  # at shutdown, open streams (status/stream, run/stream) get this long to end
STOP_MARGIN_SECONDS = 5.0  # a stopping server's allowance beyond the drain and its workers' lease
STOP_POLL_SECONDS = 0.2


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    overrides = {k: getattr(args, k, None) for k in ("data_dir", "apps", "database", "storage")}
    if overrides["apps"]:
        overrides["apps"] = tuple(overrides["apps"])
    return Settings.from_env(**{**overrides, **extra})


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path,
                        help="job store, files, keys and models (SOUNDSTAGE_DATA_DIR)")
    parser.add_argument("--apps", action="append", metavar="MODULE:ATTR",
                        help="extra app provider, repeatable (SOUNDSTAGE_APPS, comma-separated)")
    parser.add_argument("--database", metavar="URL",
                        help="job store and keys: postgresql://... (SOUNDSTAGE_DATABASE; default SQLite in"
                             " the data dir)")
    parser.add_argument("--storage", metavar="URL",
                        help="files: s3://bucket/prefix, credentials from the AWS variables"
                             " (SOUNDSTAGE_STORAGE; default the data dir)")


def _serve_settings(args: argparse.Namespace) -> Settings:
    settings = _settings(args, host=args.host, port=args.port, workers=args.workers,
                         public_url=args.public_url, files_url=args.files_url, tls_cert=args.tls_cert,
                         tls_key=args.tls_key, tls_self_signed=True if args.tls_self_signed else None,
                         auth=False if args.no_auth else None, force=True if args.force else None)
    if not settings.auth and not settings.loopback and not settings.force:
        raise ConfigError(f"--no-auth on {settings.host} would let anyone on the network use this server;"
                          " bind to 127.0.0.1 or add --force")
    _check_files_origin(settings)
    return settings


def _check_files_origin(settings: Settings) -> None:
    """File URLs on the API's own origin would undo what SOUNDSTAGE_FILES_URL is for."""
    if settings.files_port and not settings.files_url:
        raise ConfigError("SOUNDSTAGE_FILES_PORT needs SOUNDSTAGE_FILES_URL: the URL clients reach that"
                          " port at")
    if not settings.files_url:
        return
    files, api = urlsplit(settings.files_url), urlsplit(settings.public_url)
    files_port = files.port or (443 if files.scheme == "https" else 80)
    ours = files.hostname in LOOPBACK_HOSTS or files.hostname == settings.host
    if (files.scheme, files.netloc) == (api.scheme, api.netloc) or settings.files_port == settings.port or (
            ours and not settings.files_port and files_port == settings.port):
        raise ConfigError(f"SOUNDSTAGE_FILES_URL {settings.files_url} is the API's own origin; give files"
                          " another host name or port")


def _sockets(config: Any, settings: Settings) -> list[socket.socket]:
    """The API's listening socket, and the files origin's when this process serves it on a port of its own."""
    sockets = [config.bind_socket()]
    if settings.files_listen_port:
        files = copy.copy(config)
        files.port = settings.files_listen_port
        sockets.append(files.bind_socket())
        print(f"File URLs on {settings.files_url} (port {settings.files_listen_port})", flush=True)
    return sockets


def _first_key(services: Any) -> None:
    """On a fresh data dir, make one key so that the server is usable and still protected."""
    if not services.settings.auth or services.settings.api_keys or services.keys.count():
        return
    _, secret = services.keys.create("first key")
    path = services.settings.data_dir / "keys" / "first-key"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    print(f"Created an API key (also saved to {path}):\n\n    export FAL_KEY={secret}\n", flush=True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from soundstage.api.app import create_app
    from soundstage.jobs.supervisor import Supervisor
    from soundstage.services import build
    from soundstage.tls import ensure_self_signed

    stop = _stop_request()
    settings = _serve_settings(args)
    services = build(settings)
    _first_key(services)
    cert, key = settings.tls_cert, settings.tls_key
    if settings.tls_self_signed and cert is None:
        ca, cert, key = ensure_self_signed(settings.data_dir / "tls",
                                           ("localhost", "127.0.0.1", settings.host))
        print(f"TLS with a self-signed certificate; trust it with SSL_CERT_FILE={ca}", flush=True)
    supervisor = Supervisor(settings, services.store, settings.workers)
    supervisor.start()
    config = uvicorn.Config(create_app(services), host=settings.host, port=settings.port,
                            log_level=settings.log_level, access_log=False,
                            timeout_graceful_shutdown=HTTP_DRAIN_SECONDS,
                            ssl_certfile=str(cert) if cert else None, ssl_keyfile=str(key) if key else None)
    server = uvicorn.Server(config)
    deadline = HTTP_DRAIN_SECONDS + settings.lease_seconds + STOP_MARGIN_SECONDS
    threading.Thread(target=_stop_serving, args=(stop, server, deadline), name="stop", daemon=True).start()
    try:
        server.run(sockets=_sockets(config, settings))
    finally:
        supervisor.stop()
        services.close()
    return 0


def _stop_request() -> StopRequest:
    """Stop signals, handled from before anything slow (a stop during startup counts) until the
    process ends (a repeated one is harmless to the last moment): issue 15."""
    return StopRequest().install()


def _stop_serving(stop: StopRequest, server: Any, deadline: float) -> None:
    """Sees a stop through, however it was asked for. While uvicorn runs it handles SIGTERM and SIGINT
    itself (its handler only sets flags too); this passes on a stop signalled before it took over,
    and ends the process if it still runs ``deadline`` seconds after a stop (an executor thread that
    never returns, say), its workers following through their parent-death signal."""
    while not (stop.wait(STOP_POLL_SECONDS) or server.should_exit):
        pass
    server.should_exit = True
    time.sleep(deadline)
    log.error("still running %.0f s after a stop: exiting now", deadline)
    os._exit(EXIT_STOP_OVERRUN)


def cmd_worker(args: argparse.Namespace) -> int:
    from soundstage.jobs.supervisor import new_worker_id
    from soundstage.jobs.worker import StopGuard, Worker
    from soundstage.memory import pin_mmap_threshold
    from soundstage.services import build

    pin_mmap_threshold()
    stop = _stop_request()
    settings = _settings(args)
    services = build(settings)
    worker_id = args.worker_id or new_worker_id()
    worker = Worker(worker_id, services.store, services.registry, services.storage, services.fetcher,
                    services.app_env)
    StopGuard(worker, stop, parent_pid=int(os.environ.get("SOUNDSTAGE_PARENT_PID", "0"))).start()
    listener = services.doorbell.listen(worker_id)
    log.info("worker %s serving %s", worker_id, ", ".join(services.registry.ids()) or "no apps")
    try:
        worker.run_forever(stop, listener)
    finally:
        with contextlib.suppress(SoundstageError):  # a store that is down requeues by lease expiry instead
            worker.release()
            services.store.forget_worker(worker_id)
        listener.close()
        services.close()
    gc.freeze()  # spares exit a last collection over every object: 0.3 s of a 0.4 s stop, measured
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """``soundstage db upgrade``: apply the job store's migrations (idempotent; also done at every start)."""
    from soundstage.services import open_backends

    settings = _settings(args)
    backends = open_backends(settings)  # migrates a PostgreSQL database; creates the SQLite schema
    where = "PostgreSQL" if settings.database else f"SQLite at {settings.database_path}"
    print(f"job store schema is current ({where})")
    backends.store.close()
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from soundstage.services import open_backends

    settings = _settings(args)
    keys = open_backends(settings).keys
    if args.keys_command == "create":
        key, secret = keys.create(args.name or "")
        print(secret)
        print(f"key id {key.id}: shown once; store it now", file=sys.stderr)
    elif args.keys_command == "list":
        for key in keys.list():
            state = "revoked" if key.revoked_at else "active"
            print(f"{key.id}\t{state}\t{key.name}")
    else:
        keys.revoke(args.key_id)
        print(f"revoked {args.key_id}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soundstage",
                                     description="Self-hosted generative audio, fal-compatible")
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API and local workers")
    _common(serve)
    serve.add_argument("--host", help="bind address (SOUNDSTAGE_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (SOUNDSTAGE_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="local worker processes (SOUNDSTAGE_WORKERS, default 1)")
    serve.add_argument("--public-url", help="base URL clients use to reach this server")
    serve.add_argument("--files-url",
                       help="base URL of file URLs, an origin of their own (SOUNDSTAGE_FILES_URL)")
    serve.add_argument("--tls-cert", type=Path)
    serve.add_argument("--tls-key", type=Path)
    serve.add_argument("--tls-self-signed", action="store_true",
                       help="make and use a local CA and certificate")
    serve.add_argument("--no-auth", action="store_true", help="no API keys (local development only)")
    serve.add_argument("--force", action="store_true", help="allow --no-auth on a non-loopback address")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run one worker process against the job store")
    _common(worker)
    worker.add_argument("--worker-id")
    worker.set_defaults(func=cmd_worker)

    keys = sub.add_parser("keys", help="manage API keys")
    _common(keys)
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create")
    create.add_argument("--name")
    listing = keys_sub.add_parser("list")
    revoke = keys_sub.add_parser("revoke")
    revoke.add_argument("key_id")
    for leaf in (create, listing, revoke):  # accept --data-dir and --database after the verb too
        leaf.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
        leaf.add_argument("--database", default=argparse.SUPPRESS)
    keys.set_defaults(func=cmd_keys)

    db = sub.add_parser("db", help="job store schema")
    _common(db)
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply migrations (idempotent)")
    upgrade.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    upgrade.add_argument("--database", default=argparse.SUPPRESS)
    db.set_defaults(func=cmd_db)

    from soundstage import run_command

    run_command.register(sub)  # run, say: one request to a file
    _register_optional(sub)
    return parser


def _register_optional(sub: Any) -> None:
    """Subcommands of packages that may be absent in a partial install (speech: models, voices)."""
    try:
        from soundstage.speech import commands
    except ImportError:
        return
    commands.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except SoundstageError as e:
        print(f"soundstage: {e}", file=sys.stderr)
        return 2
