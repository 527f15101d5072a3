"""What the libraries VideoLab runs print goes to the log, not to the user's terminal.

stderr carries VideoLab's own messages only (``error: ...``, its own warnings); ``--json``
callers parse stdout and read stderr as "what went wrong". The libraries under a job each talk
on their own: torch warns through its own stream handler ("No CUDA runtime is found") when
Ultralytics' exporter imports its C++-extension helper, NNCF draws rich progress bars and logs
through its own stdout handler, Ultralytics, CodeCarbon and Alembic log at INFO, Python
``warnings`` from any of them print straight to stderr. Here:

- ``reroute()`` takes those libraries' own console handlers off and lets their records
  propagate to the root logger, where the application's configuration (``configure``) sends
  them to the log file only;
- ``LogWriter`` is a file object whose lines become DEBUG records (for a library that prints:
  NNCF's progress bars, and the stderr of the child process that exports and quantizes);
- ``configure()`` is that configuration, for the command line: the console gets VideoLab's
  records (WARNING and up; INFO and up with ``--verbose``), the log file everything.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import sys
from pathlib import Path

#: Libraries that install console handlers of their own (or log chattily at INFO).
LIBRARIES = (
    "torch",
    "nncf",
    "ultralytics",
    "openvino",
    "codecarbon",
    "alembic",
    "onnxruntime",
    "py.warnings",
)
_CONSOLE_FORMAT = "%(levelname)s %(name)s: %(message)s"
_FILE_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
_LOG_BYTES = 2 * 1024 * 1024

log = logging.getLogger("videolab.libraries")


def reroute(names: tuple[str, ...] = LIBRARIES) -> None:
    """Remove the console handlers these libraries installed on their loggers and let their
    records propagate to the root logger. Idempotent; call after importing them."""
    for name in names:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler
            ):
                logger.removeHandler(handler)
        logger.propagate = True


class LogWriter(io.TextIOBase):
    """A text stream whose lines are logged at DEBUG (carriage-return redraws collapse to the
    last state of the line)."""

    def __init__(self, logger: logging.Logger = log, prefix: str = "") -> None:
        super().__init__()
        self._logger = logger
        self._prefix = prefix
        self._pending = ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = ""
        super().close()

    def _emit(self, line: str) -> None:
        line = line.rsplit("\r", 1)[-1].rstrip()
        if line:
            self._logger.debug("%s%s", self._prefix, line)


class _OwnRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == "videolab" or record.name.startswith("videolab.")


class _Stderr(io.TextIOBase):
    """sys.stderr as it is at each write (a test's capture, a redirected stream)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(*, verbose: bool = False, log_file: Path | None = None) -> None:
    """Console: VideoLab's records (WARNING+), or every record at INFO+ with ``verbose``.
    ``log_file`` (rotated, created on first use): everything, libraries included, at DEBUG.

    As ``logging.basicConfig``, handlers are added only when nobody else configured logging
    (an embedding program, pytest); the libraries are rerouted either way."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_videolab", False):
            root.removeHandler(handler)
            handler.close()
    if not root.handlers:
        root.setLevel(logging.DEBUG)
        console = logging.StreamHandler(_Stderr())
        console.setLevel(logging.INFO if verbose else logging.WARNING)
        console.setFormatter(logging.Formatter(_CONSOLE_FORMAT))
        if not verbose:
            console.addFilter(_OwnRecords())
        _add(root, console)
        if log_file is not None:
            try:
                log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                to_file = logging.handlers.RotatingFileHandler(
                    log_file, maxBytes=_LOG_BYTES, backupCount=2, encoding="utf-8", delay=True
                )
            except OSError:
                pass  # no log file is no reason to fail a command
            else:
                to_file.setLevel(logging.DEBUG)
                to_file.setFormatter(logging.Formatter(_FILE_FORMAT))
                _add(root, to_file)
        logging.captureWarnings(True)  # libraries' warnings.warn -> "py.warnings" -> the file
    # Libraries' DEBUG chatter (PIL, urllib3, asyncio...) is not worth a file; ours is.
    for name in ("PIL", "urllib3", "asyncio", "matplotlib", "filelock", "fsspec", "pydot"):
        logging.getLogger(name).setLevel(logging.INFO)
    reroute()


def _add(root: logging.Logger, handler: logging.Handler) -> None:
    handler._videolab = True  # type: ignore[attr-defined]
    root.addHandler(handler)
