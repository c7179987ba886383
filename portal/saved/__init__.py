"""Saved searches with new-match counts, private Atom feeds and daily e-mail alerts."""
