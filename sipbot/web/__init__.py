"""The web channel: sipbot's own pages, served by aiohttp beside the Telegram bot."""
