"""Who is acting: the authenticated person a use case runs for, with their roles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["SYSTEM", "Actor", "Role"]


class Role(StrEnum):
    """The three roles of the clinic service."""

    ADMIN = "admin"
    CLINICIAN = "clinician"
    PATIENT = "patient"


@dataclass(frozen=True)
class Actor:
    """The person a use case runs for.

    ``patient_id`` is set for a patient account (the record it may see); ``remote_addr`` is where
    the request came from, kept in the audit trail.
    """

    user_id: str
    username: str
    roles: frozenset[Role]
    patient_id: str | None = None
    remote_addr: str | None = None

    def has(self, role: Role) -> bool:
        """Whether the actor holds ``role``."""
        return role in self.roles

    @property
    def primary_role(self) -> Role:
        """The role recorded in the audit trail: clinician before admin before patient."""
        for role in (Role.CLINICIAN, Role.ADMIN, Role.PATIENT):
            if role in self.roles:
                return role
        return Role.PATIENT


SYSTEM = Actor(user_id="system", username="system", roles=frozenset({Role.ADMIN}))
"""The service itself (scheduled proposals, batch processing), as recorded in the audit trail."""
