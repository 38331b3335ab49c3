"""HTTP infrastructure shared by every endpoint the web process serves, whether the web
layer's handlers or the chat channels' webhooks (`/telegram/webhook`, `/api/messages`):
the JSON error answer (`errors`), reading a request body within its limits (`bodies`)
and fixed-window rate counters in Redis (`rates`). It knows no domain, so the channels
use it without importing `app.web`."""
