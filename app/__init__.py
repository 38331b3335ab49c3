"""Porte-voix: employee advocacy and employee referrals inside Telegram and Microsoft Teams."""

__version__ = "0.1.0"
