"""How VideoLab starts its child processes, from source and from a desktop bundle.

From source a child is ``python -m MODULE``. In a PyInstaller bundle ``sys.executable`` is the
application itself, which has no ``-m``: the bundle's console executable, ``videolab-cli``,
serves as every child instead, started as ``videolab-cli --videolab-child MODULE ARGS...``
(``videolab/bundle_entry.py`` runs the module's entry point). The console one, not the GUI:
a windowed executable has no standard streams on Windows, and the children talk through theirs.

Secrets never go on a child's command line (anyone can read it with ``ps``): the database URL,
which may hold a PostgreSQL password, goes in the environment (``child_environment``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: The first argument that makes a bundle's executable run a child module instead of the app.
CHILD_FLAG = "--videolab-child"
#: The modules VideoLab runs as child processes (a bundle runs no others).
CHILD_MODULES = frozenset({"videolab.job_process", "videolab.inference.cancellable"})
#: The environment variable that hands a child its database URL (read by ``settings``).
DB_URL_VARIABLE = "VIDEOLAB_DB"
#: The notice of third-party licences that ``build.spec`` writes beside the executables.
NOTICES_FILE = "THIRD-PARTY-NOTICES.txt"


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def bundle_dir() -> Path:
    """The folder holding the bundle's executables (meaningful only when frozen)."""
    return Path(sys.executable).resolve().parent


def child_host() -> Path:
    """The bundle's console executable, which runs child processes."""
    return bundle_dir() / ("videolab-cli.exe" if os.name == "nt" else "videolab-cli")


def child_command(module: str, *args: str) -> list[str]:
    """The command line that runs ``module`` (one of CHILD_MODULES) with ``args`` as a child."""
    if module not in CHILD_MODULES:
        raise ValueError(f"{module} is not one of VideoLab's child processes")
    if is_frozen():
        return [str(child_host()), CHILD_FLAG, module, *args]
    return [sys.executable, "-m", module, *args]


def child_environment(
    db_url: str | None = None, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for a child: this process's, plus the database URL when given."""
    env = dict(os.environ if base is None else base)
    if db_url is not None:
        env[DB_URL_VARIABLE] = db_url
    return env


def child_popen_options(*, own_session: bool = False) -> dict[str, Any]:
    """Extra ``subprocess.Popen`` arguments: on Windows, no console window for the child.

    ``own_session``: the child may outlive the app (a job kept running when the app quits), so
    it must not share the app's process group: a Ctrl-C or a hang-up of the app's terminal
    would otherwise end it too.
    """
    if os.name == "nt":
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
        if own_session:
            flags |= getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        return {"creationflags": flags}
    return {"start_new_session": True} if own_session else {}


def notices_path() -> Path | None:
    """The bundle's third-party licence notice, or None where there is none (a source install:
    each installed package carries its own licence files)."""
    if not is_frozen():
        return None
    path = bundle_dir() / NOTICES_FILE
    return path if path.is_file() else None
