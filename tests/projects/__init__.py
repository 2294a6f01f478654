"""Tests of territory projects."""
