"""Gamification: points ledger, badges, levels, leaderboards, rewards (issue #5)."""
