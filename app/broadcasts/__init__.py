"""Broadcasts, a domain like the others: campaigns and who they reach (`campaigns`),
one delivery per recipient and channel (`models`, `deliveries`), quiet hours
(`push_hours`), what a campaign did (`report`), and the sender protocol the channels
implement (`sending`)."""
