"""allauth hooks: who may sign up, how a new account is saved, what happens on verification.

https://docs.allauth.org/en/latest/account/advanced.html#creating-and-populating-user-instances
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from clients.models import Role
from clients.services import client_phone_set, user_account_create
from notifications.services import welcome_schedule


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        # Everyone who signs up is a client; staff accounts are made by a practice admin.
        user.role = Role.CLIENT
        user.full_name = form.cleaned_data["full_name"]
        user.time_zone = form.cleaned_data["time_zone"]
        if commit:
            user_account_create(user=user)
            phone = form.cleaned_data.get("phone")
            if phone:
                client_phone_set(client=user, phone=phone)
        return user

    def confirm_email(self, request, email_address) -> bool:
        with transaction.atomic():
            confirmed = super().confirm_email(request, email_address)
            if confirmed and email_address.primary:
                welcome_schedule(user=email_address.user)
        return confirmed
