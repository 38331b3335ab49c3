"""E-mail addresses as identities: one person, however they spell their address.

Mail providers deliver several spellings to one mailbox: any case, `me+anything@` (plus
addressing, which Gmail, Outlook, iCloud, Fastmail, Proton and most company servers
honour) and, at Gmail, dots anywhere in the name and the `googlemail.com` twin. Points,
referral ownership and duplicate candidates are all keyed by the address, so each of
those spellings must be the same person there; otherwise `me+x@company.com` is a new
candidate and a referral of oneself.

`normalise_email` is the one definition, used wherever an address identifies someone
(employees, candidates, self-referral and duplicate checks). Mail is still sent to the
address as it was typed.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.people.models import Employee

# Gmail ignores dots in the name and treats googlemail.com as gmail.com (a fact of
# Gmail, not a setting).
DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
DOMAIN_TWINS = {"googlemail.com": "gmail.com"}
# Personal mail providers: an address there is never a company's. Their users' plus
# tags fold like everyone else's; this list only stops, e.g., one employee registered
# with a Gmail address from making every Gmail candidate a "company address".
PERSONAL_PROVIDERS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "icloud.com", "me.com", "mac.com", "yahoo.com", "yahoo.fr", "aol.com", "gmx.com",
        "gmx.de", "gmx.fr", "web.de", "proton.me", "protonmail.com", "pm.me",
        "fastmail.com", "hey.com", "zoho.com", "yandex.ru", "mail.ru", "orange.fr",
        "free.fr", "laposte.net", "sfr.fr", "wanadoo.fr",
    }
)  # fmt: skip


def normalise_email(email: str) -> str:
    """The address as an identity: trimmed, lower case, without a `+tag`, and at Gmail
    without dots in the name. `Me+Jobs@GoogleMail.com` and `me@gmail.com` are one person.

    Folding the plus tag at every domain (not only the providers we know) is deliberate:
    a company's own server honours it too, and two different people whose addresses
    differ only by a `+tag` do not occur in practice."""
    address = email.strip().lower()
    name, at, domain = address.rpartition("@")
    if not at or not name:
        return address
    name = name.split("+", 1)[0] or name  # "+x@" alone is not a tag
    domain = DOMAIN_TWINS.get(domain, domain)
    if domain in DOTLESS_DOMAINS:
        name = name.replace(".", "") or name
    return f"{name}@{domain}"


def domain_of(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def parse_domains(raw: str) -> frozenset[str]:
    """`"example.com, @corp.example"` → the domains, lower case, without `@`."""
    return frozenset(d.strip().lower().lstrip("@") for d in raw.split(",") if d.strip())


class CompanyDomains:
    """The company's own mail domains: those configured (`COMPANY_EMAIL_DOMAINS`, and the
    self-service sign-up domains), and those of the employees' own addresses, except
    personal providers. Someone at one of them is a colleague, never a referred
    candidate."""

    def __init__(self, configured: Iterable[str]) -> None:
        self.configured = frozenset(configured)

    async def includes(self, email: str) -> bool:
        domain = domain_of(email)
        if domain in self.configured:
            return True
        if not domain or domain in PERSONAL_PROVIDERS:
            return False
        return await Employee.filter(email__iendswith=f"@{domain}").exists()
