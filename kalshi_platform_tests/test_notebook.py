"""The notebook a user runs first executes top to bottom on the snapshot of a materialized warehouse."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from kalshi_platform_tests.platform_run import PROJECT_ROOT, PlatformRun, platform_run  # noqa: F401

NOTEBOOK = PROJECT_ROOT / "notebooks" / "kalshi_first_queries.ipynb"


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_runs_on_the_snapshot(platform_run: PlatformRun, monkeypatch):  # noqa: F811
    platform_run.assert_succeeded()
    # The kernel inherits this process's environment: point it at the run's snapshot, nothing else.
    monkeypatch.setenv("KALSHI_SNAPSHOT_PATH", str(platform_run.snapshot))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell

    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(o.get("output_type") != "error" for c in code for o in c.get("outputs", []))
    outputs = "\n".join(_text(c) for c in code)
    assert f"snapshot: {platform_run.snapshot}" in outputs
    assert "display_name" in outputs and "yes_mid" in outputs  # the market overview rendered
    images = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the calibration plot and the line movement plot


def test_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")
