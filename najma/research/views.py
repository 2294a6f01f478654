"""Research note pages (in progress in this commit)."""
