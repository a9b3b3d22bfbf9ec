"""Who the server runs as, and what it may reach: as root an OS user of its own with the
permissions it needs on the install and the data directory, and a socket directory that only
that user can enter (authentication is ``trust``, so that directory is the access control)."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from slotwise.embedded.layout import PORT, SERVER_OS_USER, SOCKET_DIR_PREFIX
from slotwise.embedded.wheel import (
    POSTGRES_BIN_PATH,
    ensure_folder_permissions,
    ensure_user_exists,
)

# sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL.
_MAX_SOCKET_PATH = 100

_install_permissions_fixed = False

OsUser = tuple[int, int]  # uid, gid


def prepare_os_user(data_dir: Path, pgdata: Path) -> OsUser | None:
    """As root: the server's OS user (created if missing), able to reach ``data_dir`` and the
    install and owning ``pgdata``. Otherwise None: the server runs as we do."""
    if os.geteuid() != 0:
        return None
    entry = ensure_user_exists(SERVER_OS_USER)
    if entry is None:
        raise RuntimeError(f"could not create the OS user {SERVER_OS_USER!r}")
    os_user = (int(entry.pw_uid), int(entry.pw_gid))
    _add_traverse_permission(data_dir)
    _fix_install_permissions()
    if pgdata.exists():
        os.chown(pgdata, *os_user)
    return os_user


def run_kwargs(os_user: OsUser | None) -> dict[str, Any]:
    """``subprocess`` arguments running a server command as ``os_user`` (or as we are)."""
    kwargs: dict[str, Any] = {"cwd": "/"}
    if os_user is not None:
        uid, gid = os_user
        # Without group/extra_groups the child would keep root's groups.
        kwargs.update(user=uid, group=gid, extra_groups=[])
    return kwargs


def _add_traverse_permission(path: Path) -> None:
    # Only search (x) permission is added, unlike the wheel's ensure_prefix_permissions, which
    # also makes every parent (e.g. /root) world-readable; traversal is all the server needs.
    for part in (path, *path.parents):
        mode = part.stat().st_mode
        wanted = mode | stat.S_IXGRP | stat.S_IXOTH
        if wanted != mode:
            part.chmod(wanted)


def _fix_install_permissions() -> None:
    # Installs made as root with a restrictive umask leave the binaries unusable for the server
    # user; this mirrors what the wheel does, once per process since it walks ~2000 files.
    global _install_permissions_fixed
    if _install_permissions_fixed:
        return
    install_root = POSTGRES_BIN_PATH.parent
    _add_traverse_permission(install_root)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(install_root, read)
    ensure_folder_permissions(POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH)
    _install_permissions_fixed = True


def choose_socket_dir(pgdata: Path, os_user: OsUser | None) -> Path:
    # pgdata is mode 0700, so only the server user (and root) can reach a socket there;
    # with trust auth that matters. The wheel's find_suitable_socket_dir falls back to a
    # predictable world-writable (0777) dir, so our fallback is a fresh private one.
    if len(os.fsencode(pgdata / f".s.PGSQL.{PORT}")) <= _MAX_SOCKET_PATH:
        return pgdata
    socket_dir = Path(tempfile.mkdtemp(prefix=SOCKET_DIR_PREFIX))
    if os_user is not None:
        os.chown(socket_dir, *os_user)
    return socket_dir


def remove_private_socket_dir(path: Path) -> None:
    # Only a dir we made with mkdtemp: the path comes from postmaster.pid, which must not be
    # able to make us delete anything else.
    if path.name.startswith(SOCKET_DIR_PREFIX) and path.parent == Path(tempfile.gettempdir()):
        shutil.rmtree(path, ignore_errors=True)
