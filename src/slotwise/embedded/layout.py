"""The fixed names every process sharing a data directory must agree on: the files in it, the
server's port, its superuser and, as root, its OS user."""

from __future__ import annotations

SUPERUSER = "postgres"
# PostgreSQL refuses to run as root, so as root the server runs as this OS user.
SERVER_OS_USER = "embedded_postgres"
# Pinned rather than inherited: a PGPORT in the environment of one process would otherwise
# change the socket file name (.s.PGSQL.<port>) that another process looks for.
PORT = 5432

# Inside the data directory.
PGDATA = "pgdata"
LOCK_FILE = "embedded.lock"
HOLDERS_FILE = "holders.json"
INITDB_STAGING = "pgdata.initdb"
# Inside pgdata.
SERVER_LOG = "postgres.log"

# A socket dir of our own under the temp dir (when pgdata's path is too long for a socket).
SOCKET_DIR_PREFIX = "slotwise-pg-"
