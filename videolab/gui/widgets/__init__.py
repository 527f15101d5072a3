"""Widgets of the main window: panels, dialogs, delegates, and the results viewer."""
