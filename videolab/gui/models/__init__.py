"""Qt item models over the frozen DTOs the services return."""
