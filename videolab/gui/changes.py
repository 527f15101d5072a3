"""What an operation changed, so that every screen showing it refreshes itself (Anki's
``OpChanges``).

A write operation declares its :class:`Change` flags; :class:`~videolab.gui.ops.Operations`
announces them on its ``changed`` signal once the write has committed, and each panel reloads
what it shows when the flags touch it. Nobody calls another panel's ``reload``.

Where changes come from:

- **this window's writes**: each ``Operations.write`` says what it changed;
- **this window's detection jobs**: the job's child process reports progress on its stdout
  (``videolab.job_process``); its first report means the job is RUNNING, the end of the
  process means it is settled, and the job controller announces ``JOBS`` (and ``BALANCE`` at
  the end) at those two moments, never per frame;
- **other clients** (a CLI, another window, later a team server): not watched continuously
  yet. Coming back to the window (activation) announces ``JOBS | BALANCE``, and View > Refresh
  announces everything. A continuous watcher plugs in through ``Operations.notify``: on SQLite
  a worker thread holding one connection and reading ``PRAGMA data_version`` (which changes
  when another connection commits) a few times a second costs one tiny query per tick; on
  PostgreSQL, ``LISTEN``/``NOTIFY`` (DESIGN.md, team mode). Either calls
  ``notify(Change.ALL, source)`` from the GUI thread and every screen reloads what it shows.
"""

from __future__ import annotations

import enum


class Change(enum.Flag):
    NONE = 0
    DATASETS = enum.auto()  # names, tags, trash state, video counts
    VIDEOS = enum.auto()
    JOBS = enum.auto()
    BALANCE = enum.auto()  # the signed-in account's credits
    USERS = enum.auto()  # accounts: roles, balances of others
    TAGS = enum.auto()
    RESULTS = enum.auto()  # what a person saved with a result: counting lines and zones
    ALL = DATASETS | VIDEOS | JOBS | BALANCE | USERS | TAGS | RESULTS
