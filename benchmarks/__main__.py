"""Run every benchmark module (or those named) and save their figures to benchmarks/results/.

    python -m benchmarks                  # all
    python -m benchmarks ingest_markets   # just bench_ingest_markets.py
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    failures = 0
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"\n=== {name}: {(module.__doc__ or '').strip().splitlines()[0]}")
        started = time.perf_counter()
        try:
            figures = module.main([])  # the harness's own argv names benchmarks, not sizes
        except Exception as exc:  # a failing benchmark must not hide the others' figures
            failures += 1
            print(f"FAILED: {type(exc).__name__}: {exc}")
            continue
        figures = {"benchmark": name, "at": datetime.now(UTC).isoformat(), **(figures or {})}
        figures["wall_s"] = round(time.perf_counter() - started, 2)
        (results_dir / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str))
        print(json.dumps(figures, indent=2, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
