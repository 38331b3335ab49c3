"""Tracked links, the redirect and click pipeline, and (issue #4) referrals."""
