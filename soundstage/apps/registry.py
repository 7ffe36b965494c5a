"""The app registry: built-in apps, the ``soundstage.apps`` entry-point group, and ``module:attr``
providers."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from importlib.metadata import entry_points

from soundstage.apps.base import App
from soundstage.errors import ConfigError, NotFound

__all__ = ["AppRegistry", "endpoint_root", "load_registry"]

NAMESPACES = frozenset({"workflows", "comfy"})  # fal: these first segments are namespaces


def _root_size(parts: list[str]) -> int:
    return 3 if parts and parts[0] in NAMESPACES else 2


def endpoint_root(endpoint_id: str) -> str:
    """``owner/alias`` (or ``ns/owner/alias``) of a full endpoint id, as the clients compute it."""
    parts = [p for p in endpoint_id.split("/") if p]
    return "/".join(parts[:_root_size(parts)])


class AppRegistry:
    def __init__(self, apps: Iterable[App] = ()) -> None:
        self._by_id: dict[str, App] = {}
        for app in apps:
            self.add(app)

    def add(self, app: App) -> None:
        for app_id in app.ids:
            parts = app_id.split("/")
            if not all(parts) or len(parts) < _root_size(parts):
                raise ConfigError(f"app id {app_id!r} must be 'owner/alias[/path]' (or"
                                  " 'workflows/owner/alias[/path]')")
            if app_id in self._by_id and self._by_id[app_id] is not app:
                raise ConfigError(f"two apps claim the id {app_id!r}")
            self._by_id[app_id] = app

    def resolve(self, endpoint_id: str) -> App:
        """The app serving a full endpoint id: the longest registered id that is a path prefix of it
        (``bytedance/seedance-2.0/fast/text-to-video`` is its own app; any sub-path of ``owner/alias``
        reaches that app)."""
        parts = [p for p in endpoint_id.split("/") if p]
        app = next((self._by_id[key] for n in range(len(parts), _root_size(parts) - 1, -1)
                    if (key := "/".join(parts[:n])) in self._by_id), None)
        if app is None:
            raise NotFound(f"No app serves {endpoint_id!r}; known apps:"
                           f" {', '.join(sorted(self.ids())) or 'none'}")
        return app

    def ids(self) -> list[str]:
        return list(self._by_id)

    def __iter__(self) -> Iterator[App]:
        seen: set[int] = set()
        for app in self._by_id.values():
            if id(app) not in seen:
                seen.add(id(app))
                yield app


def _provided(obj: object, source: str) -> list[App]:
    if callable(obj) and not isinstance(obj, App):
        obj = obj()
    if isinstance(obj, App):
        return [obj]
    if isinstance(obj, (list, tuple)) and all(isinstance(a, App) for a in obj):
        return list(obj)
    raise ConfigError(f"{source} must be an App, a list of Apps, or a function returning them")


def _import(spec: str) -> object:
    module, _, attr = spec.partition(":")
    if not attr:
        raise ConfigError(f"app provider {spec!r} must look like 'package.module:attribute'")
    return getattr(importlib.import_module(module), attr)


def load_registry(providers: Iterable[str] = (), builtins: Iterable[App] = ()) -> AppRegistry:
    """Built-ins, then installed entry points, then explicit ``module:attr`` providers."""
    registry = AppRegistry(builtins)
    for ep in entry_points(group="soundstage.apps"):
        for app in _provided(ep.load(), f"entry point {ep.name!r}"):
            registry.add(app)
    for spec in providers:
        for app in _provided(_import(spec), spec):
            registry.add(app)
    return registry
