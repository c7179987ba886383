"""Legal domain helpers: norm citations, file numbers, courts and the anonymisation check.

Pure functions and data, no Flask app or database needed.
"""
