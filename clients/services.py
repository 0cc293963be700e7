"""Writes that carry a rule for users and their profiles."""

from __future__ import annotations

from django.db import transaction

from clients.models import ClientProfile, ClinicianProfile, Role, User


@transaction.atomic
def user_account_create(*, user: User) -> User:
    """Save a new account and give it the profile its role needs.

    Signup (through allauth's adapter), the admin and the demo seed all come through here, so a
    client never exists without a ClientProfile nor a clinician without a ClinicianProfile.
    """
    user.full_clean(exclude=["password"])
    user.save()
    profile_ensure(user=user)
    return user


def profile_ensure(*, user: User) -> None:
    if user.role == Role.CLIENT:
        ClientProfile.objects.get_or_create(user=user)
    elif user.role == Role.CLINICIAN:
        ClinicianProfile.objects.get_or_create(
            user=user, defaults={"display_name": user.full_name, "time_zone": user.time_zone}
        )
