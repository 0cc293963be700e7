"""Reads with a rule in them for users and their profiles. Each owns its joins."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from clients.models import ClientProfile, Role, User


def client_profile_for_client(*, client: User) -> ClientProfile | None:
    """The client's own profile with their clinician (and the clinician's display name)."""
    return (
        ClientProfile.objects.select_related("clinician__clinician_profile")
        .filter(user=client)
        .first()
    )


def clients_for_clinician(*, clinician: User) -> QuerySet[User]:
    """The active client accounts assigned to this clinician: all a clinician may see (rule 8)."""
    return (
        User.objects.filter(
            role=Role.CLIENT, is_active=True, client_profile__clinician=clinician
        )
        .select_related("client_profile")
        .order_by("full_name", "email")
    )


def user_counts_by_role() -> dict[str, int]:
    """Active clients and clinicians, in one query, for the practice admin's home."""
    return User.objects.filter(is_active=True).aggregate(
        clients=Count("pk", filter=Q(role=Role.CLIENT)),
        clinicians=Count("pk", filter=Q(role=Role.CLINICIAN)),
    )
