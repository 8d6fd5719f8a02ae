"""Files and directories under the data directory, readable by the service's user only.

The data directory holds the development secret, the SQLite databases (which hold the tool's
private keys, encrypted with that secret, and every learner's answers) and the demo platform's
key. Modes are set explicitly when each is created, whatever the process umask says: a
umask is easy to leave at 022 in a unit file or a container, and a later chmod leaves a
window in which the file was readable.

SQLite creates its -wal and -shm files itself, next to the database, with the mode of the
database file: so the database file is created here first, 0600, and SQLite copies that.
"""

from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """`path` as a directory; created 0700 when missing (parents as usual: they are not ours)."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:  # another worker just made it
            return path
        os.chmod(path, DIRECTORY_MODE)  # mkdir's mode passes through the umask
    return path


def private_file(path: Path) -> Path:
    """`path`, created empty and 0600 when missing (its directory made private first)."""
    private_directory(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, FILE_MODE)  # os.open's mode passes through the umask
    finally:
        os.close(fd)
    return path


def write_private_text(path: Path, text: str) -> None:
    """Create `path` 0600 with `text`, never readable by others at any moment."""
    private_file(path)
    path.write_text(text)


def private_sqlite_file(url: str) -> None:
    """Create the file of a `sqlite:///` URL 0600 before SQLite does (see above)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix and ":memory:" not in url:
        private_file(Path(url[len(prefix) :].split("?", 1)[0]))
