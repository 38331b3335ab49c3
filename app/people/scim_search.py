"""Which employees a SCIM filter can match, as a database condition.

Identity providers look users up one at a time before creating them (Entra:
`userName eq "..."`, `externalId eq "..."`, `emails[type eq "work"].value eq "..."`;
Okta: `userName eq "..."`), thousands of times in a first sync. Those equalities are
answered from indexed columns here; scim2-models then matches the few candidates
against the whole filter, so the condition only has to include every match, never
to be exact. A filter with nothing to narrow by (`displayName sw "A"`) gets None:
the whole directory is matched.
"""

from __future__ import annotations

from functools import reduce

from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)
from tortoise.expressions import Q

from app.people.emails import normalise_email

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"
CORE = "urn:ietf:params:scim:schemas:core:2.0:user"


def narrowing(node: FilterNode) -> Q | None:
    """A condition every employee the filter matches meets, or None."""
    if isinstance(node, Comparison) and node.op == CompareOperator.eq:
        return _equality(node.attr_path, node.value)
    if isinstance(node, ValuePath) and node.attr_path.attr.lower() == "emails":
        return _email_selection(node.val_filter)
    if isinstance(node, LogicalExpr):
        parts = [narrowing(term) for term in node.terms]
        if node.op == LogicalOperator.and_:
            known = [p for p in parts if p is not None]
            return reduce(lambda a, b: a & b, known) if known else None
        sides = [p for p in parts if p is not None]
        if len(sides) == len(parts):  # an `or` narrows only if each of its sides does
            return reduce(lambda a, b: a | b, sides)
    return None


def _equality(path: AttrPath, value: object) -> Q | None:
    if not isinstance(value, str):
        return None
    uri = (path.uri or CORE).lower()
    attr = path.attr.lower()
    if uri == ENTERPRISE:
        return Q(external_id=value) if attr == "employeenumber" else None
    if uri != CORE:
        return None
    if attr == "username":
        # A provisioned account's userName, or the e-mail of someone SCIM never knew.
        return Q(scim_account__user_name_key=value.casefold()) | Q(
            scim_account__id__isnull=True, email=normalise_email(value)
        )
    if attr == "externalid":
        return Q(scim_account__external_id=value)
    if attr == "id":
        return Q(id=int(value)) if value.isdigit() and len(value) <= 18 else Q(id=-1)
    if attr == "emails" and path.sub_attr in (None, "value"):
        return Q(email=normalise_email(value))
    return None


def _email_selection(val_filter: FilterNode) -> Q | None:
    """`emails[type eq "work" and value eq "x"]` (how scim2-models reads Entra's
    `emails[type eq "work"].value eq "x"`): the value compared, if any."""
    terms = val_filter.terms if isinstance(val_filter, LogicalExpr) else (val_filter,)
    if isinstance(val_filter, LogicalExpr) and val_filter.op != LogicalOperator.and_:
        return None
    for term in terms:
        if (
            isinstance(term, Comparison)
            and term.op == CompareOperator.eq
            and term.attr_path.attr.lower() == "value"
            and isinstance(term.value, str)
        ):
            return Q(email=normalise_email(term.value))
    return None
