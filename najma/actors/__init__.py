"""Actor maps: who works with whom on each territory, analysed with NetworkX (in graph.py only)."""
