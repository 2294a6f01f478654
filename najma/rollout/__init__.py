"""The rollout: phases and their gates, the replication kit, choosing the next territories, site problems and the steering dashboard."""
