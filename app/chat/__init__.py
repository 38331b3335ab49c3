"""The conversation core: what an employee, a recruiter or an admin can do in a chat,
whatever the channel. It speaks the neutral vocabulary of `replies` (who talks, what
they asked, what we answer); the channels (`app/bots/telegram`, `app/bots/teams`, the
console) translate their platform's updates into it and render its replies."""
