"""Statistics of the case law as server-drawn charts, tables, CSV files and JSON."""
