"""Placeholder until this part of the research workspace lands."""
