"""Plain domain types shared by every layer: errors, money, DTOs. No Qt, no SQLAlchemy."""
