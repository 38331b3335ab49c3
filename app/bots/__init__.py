"""Chat channels: the platform-neutral conversation core and its Telegram, Teams and
console adapters (issues #6, #7, #8)."""
