"""Tests of the indicators: register, entry and approval, charts and exports, evaluation."""
