"""Fortbildungs- und Vernetzungstreffen: the office plans meetings, staff register."""
