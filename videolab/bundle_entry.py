"""The entry point of the desktop bundle's two executables (``build.spec``).

One program, three roles, chosen from how it was started:

- ``videolab-cli --videolab-child MODULE ARGS...``: a child process (``videolab.frozen``);
- ``videolab-cli ...``: the command line;
- ``videolab ...``: the desktop application.

The role comes from the name the program was started by (``sys.argv[0]``), not the file it
runs: the Linux cpu bundle's ``videolab`` is a link to ``videolab-cli`` (one copy of the
Python archive instead of two; ``build.spec``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from videolab.frozen import CHILD_FLAG, CHILD_MODULES


def child_main(module: str) -> Callable[[], int]:
    """The entry point that ``python -m module`` would run, for each of CHILD_MODULES.

    Imported here by name (not through importlib) so that PyInstaller sees and bundles them.
    """
    if module == "videolab.job_process":
        from videolab.job_process import main

        return main
    if module == "videolab.inference.cancellable":
        from videolab.inference.cancellable import child_main

        return child_main
    raise KeyError(module)


def run_child(argv: Sequence[str]) -> int:
    """Run ``argv = [MODULE, ARGS...]`` as ``python -m MODULE ARGS...`` would."""
    if not argv or argv[0] not in CHILD_MODULES:
        name = argv[0] if argv else "(none)"
        print(f"videolab: {name} is not a VideoLab child process", file=sys.stderr)
        return 2
    main = child_main(argv[0])
    sys.argv = [argv[0], *argv[1:]]
    return int(main() or 0)


def is_cli(executable: str) -> bool:
    return Path(executable).stem.lower() == "videolab-cli"


def started_as() -> str:
    """The name this program was started by: a link's own name, not its target's."""
    return sys.argv[0] or sys.executable


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):
        import multiprocessing

        # Where multiprocessing spawns (Windows, macOS), a library's worker process (py-cpuinfo
        # runs CPUID in one for CodeCarbon) re-runs this executable: serve it, then exit.
        multiprocessing.freeze_support()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [CHILD_FLAG]:
        return run_child(args[1:])
    if is_cli(started_as()):
        from videolab.cli import main as cli_main

        return cli_main(args)
    if os.environ.get("VIDEOLAB_FIRST_WINDOW_PROBE"):
        from videolab.gui.first_window_probe import install

        install()
    from videolab.gui.app import main as gui_main

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
