"""Errors raised by the warehouse layer; each message names the file, table or column at fault."""

from __future__ import annotations


class WarehouseError(RuntimeError):
    """Base class of every warehouse failure."""


class WarehouseLockedError(WarehouseError):
    """The database file stayed locked by another process for longer than the wait budget."""


class WarehouseConfigConflictError(WarehouseError):
    """This process already has the file open with another mode or configuration."""


class MigrationError(WarehouseError):
    """A migration file is malformed or failed to apply."""


class MigrationChecksumError(MigrationError):
    """An already-applied migration file was edited afterwards."""


class WriteError(WarehouseError):
    """A frame does not fit the table it is written to."""


class SnapshotError(WarehouseError):
    """A read-only snapshot could not be published."""
