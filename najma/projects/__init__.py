"""Territory projects: from retained intervention paths to an approved, contracted, followed project."""
