"""Dossiers ("Mappen"): personal or organisation-shared collections of resources with notes."""
