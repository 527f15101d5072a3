"""Trustworthy under faults and hostile input (issue 6): crashes, concurrency, disk full,
hostile files, sign-in, backup."""
