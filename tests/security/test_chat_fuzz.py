"""Fuzzing the chat's buttons: any callback data (what a forged Telegram `callback_query`
or Teams card submit can carry), pressed by everyone (each role, someone who left, a
recruiter demoted to employee, a stranger), never makes a handler fail and never shows
anyone what their role may not see. Each answer is a friendly reply or nothing. Every
button verb is pressed by everyone, bare and with an id, before the random search.

The presses go to the conversation core, where every channel sends them
(tests/chat/test_roles.py shows Telegram's and Teams' entries reach it)."""

from __future__ import annotations

import os

import hypothesis
from hypothesis import strategies as st

from app.chat.actions import BY_BUTTON, BY_COMMAND
from app.chat.conversation import Conversation
from app.chat.replies import ChatUser, Intent
from app.people.models import ReportKind, Role
from app.referrals.intake import CandidateDetails
from app.runtime import Runtime
from tests.helpers import make_open_job
from tests.referrals.factories import consented
from tests.security.support import PERSONAS, TELEGRAM_IDS, make_company, run_beside_loop
from tests.security.test_authorization_matrix import ROLE_OF
from tests.security.test_webhook_fuzz import FUZZ, Post

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2")) * 15
WORDS = [
    *("job", "news", "approve", "reject", "screening", "hired", "week", "month", "all"),
    *("company", "department", "linkedin", "copy", "fr", "en", "accept", "start"),
    *("general", "skip", "confirm", "publish", "everyone", "toggle", "redemptions"),
]
arguments = (
    st.integers(-5, 2**40).map(str)
    | st.sampled_from(WORDS)
    | st.text(st.characters(codec="utf-8"), max_size=8)
)
callback_data = st.text(st.characters(codec="utf-8"), max_size=64) | st.builds(
    lambda verb, args: ":".join([verb, *args]),
    st.sampled_from([*sorted(BY_BUTTON), "refer", "post", "policy", "access", "noop"]),
    st.lists(arguments, max_size=3),
)
# What only recruiters (the referral, the week's figures) or admins (the report) see.
RECRUITERS_ONLY = ("Grace Hopper", "This week (")
ADMINS_ONLY = ("SECRET-REPORT",)


async def seed(runtime: Runtime) -> None:
    company = await make_company(runtime)
    job = await make_open_job(runtime)
    outcome = await runtime.referrals.intake.refer(
        company.recruiter, job.id, CandidateDetails("Grace Hopper", "grace@navy.example")
    )
    await consented(runtime, outcome)
    await runtime.people.report(ReportKind.REPORT, "SECRET-REPORT", employee_id=company.admin.id)


def hidden_from(persona: str) -> tuple[str, ...]:
    role = ROLE_OF.get(persona)
    if role == Role.ADMIN:
        return ()
    if role == Role.RECRUITER:
        return ADMINS_ONLY
    return RECRUITERS_ONLY + ADMINS_ONLY


async def test_any_button_from_anyone_gets_a_friendly_reply_and_no_leak(
    runtime: Runtime,
) -> None:
    await seed(runtime)
    conversation = Conversation(runtime)
    failures: list[str] = []

    def search(on_loop: Post) -> None:
        @hypothesis.settings(FUZZ, max_examples=EXAMPLES)
        @hypothesis.given(data=callback_data)
        def check(data: str) -> None:
            for persona in PERSONAS:
                user = ChatUser("telegram", TELEGRAM_IDS[persona], TELEGRAM_IDS[persona])
                replies = on_loop(conversation.handle(user, Intent("action", data)))
                text = "\n".join(reply.text for reply in replies)
                if "Something went wrong" in text:
                    failures.append(f"{data!r} as {persona}: a handler failed")
                leaked = [secret for secret in hidden_from(persona) if secret in text]
                if leaked:
                    failures.append(f"{data!r} as {persona}: shows {leaked}")

        for verb in sorted(BY_BUTTON):  # every button at least once, bare and with an id
            check = hypothesis.example(data=verb)(hypothesis.example(data=f"{verb}:1")(check))
        check()

    await run_beside_loop(search)
    assert not failures, "\n".join(failures)


async def test_every_command_from_anyone_shows_only_what_the_role_may_see(
    runtime: Runtime,
) -> None:
    """The markers above are alive: recruiters see the referral and the week's figures,
    the admin the report (`/reports` has no button, so only its command shows it), and
    nobody below sees them, whichever command they type."""
    await seed(runtime)
    conversation = Conversation(runtime)
    seen: dict[str, str] = {}
    for persona in PERSONAS:
        user = ChatUser("telegram", TELEGRAM_IDS[persona], TELEGRAM_IDS[persona])
        texts = []
        for name in sorted(BY_COMMAND):
            replies = await conversation.handle(user, Intent("command", name))
            texts.extend(reply.text for reply in replies)
        seen[persona] = "\n".join(texts)
        assert "Something went wrong" not in seen[persona], persona
        leaked = [secret for secret in hidden_from(persona) if secret in seen[persona]]
        assert not leaked, f"{persona} sees {leaked}"
    admins = [p for p in PERSONAS if ROLE_OF.get(p) == Role.ADMIN]
    recruiters = [p for p in PERSONAS if ROLE_OF.get(p) == Role.RECRUITER]
    assert admins and recruiters
    assert all(all(m in seen[p] for m in ADMINS_ONLY + RECRUITERS_ONLY) for p in admins)
    assert all(all(m in seen[p] for m in RECRUITERS_ONLY) for p in recruiters)
