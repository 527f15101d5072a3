"""Use cases that span threads: uploads and detection jobs, as signals the views listen to."""
