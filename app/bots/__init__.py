"""Chat channels: Telegram (`telegram/`), Teams (`teams/`) and the terminal (`console`),
each translating its platform to the conversation core (`app/chat`)."""
