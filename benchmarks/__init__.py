"""NAJMA benchmarks: national-scale data generation and page timings with SQL query counts.

* ``python -m benchmarks.generate`` fills a fresh database with benchmark-labelled data;
* ``python -m benchmarks.run`` times the main pages and counts their SQL queries at two scales.

See ``benchmarks/README.md``.
"""
from pathlib import Path

#: Where generated databases and their descriptions go (git-ignored).
OUT_DIR = Path(__file__).resolve().parent / "out"
