"""The rules of the e-mail codes (app/people/email_codes.py), on the real Redis of each
backend."""

from __future__ import annotations

from app.people.email_codes import MAX_TRIES, EmailCodes, Issued, Refusal, Verified
from app.runtime import Runtime

WHO = "telegram:1001"


async def test_the_code_proves_the_address_once(runtime: Runtime) -> None:
    codes = EmailCodes(runtime.redis, runtime.settings.secret_key)
    issued = await codes.issue(WHO, "ada@example.com")
    assert isinstance(issued, Issued) and len(issued.code) == 6 and issued.code.isdigit()
    wrong = "000000" if issued.code != "000000" else "111111"
    assert await codes.check(WHO, wrong) == Refusal.WRONG
    assert await codes.check(WHO, issued.code) == Verified("ada@example.com")
    assert await codes.check(WHO, issued.code) is None  # spent: nothing is waited for
    assert await codes.check("telegram:2002", issued.code) is None  # another account's


async def test_wrong_codes_lock_the_asker_out(runtime: Runtime) -> None:
    codes = EmailCodes(runtime.redis, runtime.settings.secret_key)
    issued = await codes.issue(WHO, "ada@example.com")
    assert isinstance(issued, Issued)
    wrong = "000000" if issued.code != "000000" else "111111"
    outcomes = [await codes.check(WHO, wrong) for _ in range(MAX_TRIES)]
    assert outcomes == [Refusal.WRONG] * (MAX_TRIES - 1) + [Refusal.LOCKED]
    assert await codes.locked(WHO)
    assert await codes.check(WHO, issued.code) is None  # the code went with the lock
    assert await codes.issue(WHO, "ada@example.com") == Refusal.LOCKED
    assert not await codes.locked("telegram:2002")


async def test_a_withdrawn_code_is_forgotten_and_codes_are_kept_hashed(runtime: Runtime) -> None:
    codes = EmailCodes(runtime.redis, runtime.settings.secret_key)
    issued = await codes.issue(WHO, "ada@example.com")
    assert isinstance(issued, Issued)
    stored = await runtime.redis.get(f"verify:{WHO}")
    assert stored is not None and issued.code.encode() not in stored
    await codes.withdraw(WHO)
    assert await codes.check(WHO, issued.code) is None
