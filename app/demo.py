"""The demo company, so that a newcomer's first `make run` shows a living product.

It is built through the same services as real data (create, invite, redeem the invite
from a chat account, accept the policy), is deterministic, and is safe to run twice:
people who already exist are left alone. Each capability adds its own step to `STEPS`.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.people.models import Employee, Platform, Role
from app.people.schemas import EmployeeCreate
from app.runtime import Runtime

Progress = Callable[[str, int, int], None]

DOMAIN = "demo.portevoix.example"
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "People", "Operations", "Finance"]
LOCATIONS = [
    ("Paris", "Europe/Paris", "fr"),
    ("Lyon", "Europe/Paris", "fr"),
    ("Nantes", "Europe/Paris", "fr"),
    ("Montréal", "America/Toronto", "fr"),
    ("London", "Europe/London", "en"),
    ("Berlin", "Europe/Berlin", "en"),
]
FIRST_NAMES = {
    "fr": [
        "Camille",
        "Léa",
        "Hugo",
        "Louis",
        "Chloé",
        "Inès",
        "Jules",
        "Manon",
        "Nathan",
        "Sarah",
        "Théo",
        "Zoé",
        "Lucas",
        "Emma",
        "Arthur",
        "Jade",
        "Gabriel",
        "Alice",
        "Raphaël",
        "Louise",
        "Maël",
        "Anaïs",
        "Paul",
        "Clara",
        "Yanis",
        "Margaux",
    ],
    "en": [
        "Olivia",
        "George",
        "Amelia",
        "Harry",
        "Isla",
        "Jack",
        "Ava",
        "Noah",
        "Mia",
        "Oscar",
        "Grace",
        "Leo",
        "Freya",
        "Arlo",
        "Lily",
        "Henry",
        "Ella",
        "Theo",
        "Sophie",
        "Jacob",
        "Ruby",
        "Charlie",
        "Evie",
        "Finn",
    ],
}
LAST_NAMES = {
    "fr": [
        "Martin",
        "Bernard",
        "Dubois",
        "Thomas",
        "Robert",
        "Richard",
        "Petit",
        "Durand",
        "Leroy",
        "Moreau",
        "Simon",
        "Laurent",
        "Lefebvre",
        "Michel",
        "Garcia",
        "Roux",
        "Fournier",
        "Girard",
        "Bonnet",
        "Lambert",
        "Fontaine",
        "Chevalier",
        "Gauthier",
    ],
    "en": [
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Johnson",
        "Davies",
        "Patel",
        "Wright",
        "Walker",
        "Robinson",
        "Thompson",
        "White",
        "Hughes",
        "Edwards",
        "Green",
        "Hall",
        "Wood",
        "Harris",
        "Clarke",
        "Jackson",
    ],
}
EMPLOYEE_COUNT = 52


@dataclass(frozen=True)
class DemoPerson:
    draft: EmployeeCreate
    joined: bool  # linked a Telegram account and accepted the policy
    left: bool


def demo_people(seed: int = 7) -> list[DemoPerson]:
    rng = random.Random(seed)
    people: list[DemoPerson] = []
    used: set[str] = set()
    while len(people) < EMPLOYEE_COUNT:
        index = len(people)
        location, timezone, language = LOCATIONS[index % len(LOCATIONS)]
        first = rng.choice(FIRST_NAMES[language])
        last = rng.choice(LAST_NAMES[language])
        email = f"{first}.{last}@{DOMAIN}".lower()
        if email in used:
            continue
        used.add(email)
        role = Role.ADMIN if index < 2 else Role.RECRUITER if index < 6 else Role.EMPLOYEE
        draft = EmployeeCreate(
            email=email,
            name=f"{first} {last}",
            department="People" if role == Role.RECRUITER else DEPARTMENTS[index % 6],
            location=location,
            language=language,
            timezone=timezone,
            role=role,
            external_id=f"HR-{1000 + index}",
        )
        people.append(DemoPerson(draft, joined=index % 9 != 8, left=index in (20, 41)))
    return people


async def seed_people(runtime: Runtime, progress: Progress) -> None:
    people = demo_people()
    await runtime.policy.publish_from_files()
    for done, person in enumerate(people, start=1):
        if await runtime.people.find_by_email(person.draft.email) is None:
            await _add_person(runtime, person)
        progress("employees", done, len(people))


async def _add_person(runtime: Runtime, person: DemoPerson) -> None:
    employee = await runtime.people.create(person.draft)
    link = await runtime.people.invite(employee.id)
    if person.joined:
        telegram_id = str(700_000_000 + employee.id)
        employee = await runtime.people.redeem_invite(
            link.invite.code, Platform.TELEGRAM, telegram_id, chat_id=telegram_id
        )
        await runtime.policy.accept(employee, channel="telegram")
    if person.left:
        await runtime.people.deactivate(employee.id)


STEPS: list[Callable[[Runtime, Progress], Awaitable[None]]] = [seed_people]


async def seed(runtime: Runtime, progress: Progress) -> None:
    for step in STEPS:
        await step(runtime, progress)


async def is_empty(runtime: Runtime) -> bool:
    return not await Employee.exists()
