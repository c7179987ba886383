"""Consistent backups of a running portal, and restoring them into an empty instance."""
