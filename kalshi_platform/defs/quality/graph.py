"""Which asset keys the other domains define, so checks are generated only for assets that exist.

A check on an asset no domain defines would make Dagster invent a stub asset for it; registry entries
for tables a domain has not shipped yet must stay silent instead. Every package under
``kalshi_platform/defs`` that exposes ``build_defs(settings)`` or ``defs`` counts, so a new domain
needs no change here.
"""

import importlib
import pkgutil

import dagster as dg

from kalshi_platform.settings import Settings

# Domains that add checks, dbt models or automation over the others (they read the graph, so they
# must not be part of it here).
OBSERVERS = frozenset({"quality", "dbt", "automation"})


def domain_definitions(settings: Settings) -> list[dg.Definitions]:
    import kalshi_platform.defs as defs_package

    found = []
    for info in sorted(pkgutil.iter_modules(defs_package.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name in OBSERVERS:
            continue
        module = importlib.import_module(f"{defs_package.__name__}.{info.name}")
        if hasattr(module, "build_defs"):
            found.append(module.build_defs(settings))
        elif isinstance(getattr(module, "defs", None), dg.Definitions):
            found.append(module.defs)
    return found


def asset_keys(definitions: list[dg.Definitions]) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = set()
    for d in definitions:
        for item in d.assets or []:
            if isinstance(item, dg.AssetsDefinition):
                keys.update(tuple(k.path) for k in item.keys)
            elif isinstance(item, dg.AssetSpec):
                keys.add(tuple(item.key.path))
    return keys


def domain_asset_keys(settings: Settings) -> set[tuple[str, ...]]:
    """Asset keys of every domain except the observers."""
    return asset_keys(domain_definitions(settings))
