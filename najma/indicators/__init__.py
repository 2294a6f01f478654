"""Monitoring and evaluation: indicators with baselines, targets and measures, their approval, and the participatory evaluation."""
