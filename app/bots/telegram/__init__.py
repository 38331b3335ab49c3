"""The Telegram channel, whole: python-telegram-bot inside our aiohttp server
(`channel`), the Bot API sender for pushes and notices (`sender`, on aiohttp:
`aiohttp_request`), the bot's @username (`name`) and the mini app's prepared messages
(`prepared`). The only package that imports python-telegram-bot."""
