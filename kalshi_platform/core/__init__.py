"""Pure domain logic: no I/O, no Dagster, no imports from the rest of the project."""
