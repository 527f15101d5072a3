"""Named item-data roles shared by models, delegates and views."""

from __future__ import annotations

from PySide6.QtCore import Qt

USER = int(Qt.ItemDataRole.UserRole)

#: The row's id (a UUID), for selections that survive refreshes.
ID_ROLE = USER + 1
#: The row's frozen DTO.
DTO_ROLE = USER + 2
#: A value to sort by (numbers as numbers, dates as timestamps).
SORT_ROLE = USER + 3
#: A dataset's tag names (tuple[str, ...]).
TAGS_ROLE = USER + 4
#: A dataset's number of videos.
COUNT_ROLE = USER + 5
#: A job's progress as a fraction 0..1, or None when unknown.
PROGRESS_ROLE = USER + 6
#: A job's status (JobStatus).
STATUS_ROLE = USER + 7
