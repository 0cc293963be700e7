"""allauth hooks: who may sign up, how a new account is saved, what happens on verification.

https://docs.allauth.org/en/latest/account/advanced.html#creating-and-populating-user-instances
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction

from clients.models import Role, User
from clients.services import client_phone_set, user_account_create
from notifications.emails import recipient_is_discreet, sender_for
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

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's account emails (confirmation, sign-in code, new password, notices) in the
        portal's voice: its templates under templates/account/email/ greet the person by name
        and sign with the practice, or, in discreet mode, with neither name nor practice and
        from the neutral sender, like every other email (rule 7). They are sent at once, as
        allauth does: the person is waiting on the page for them."""
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).select_related(
                "client_profile").first()
        discreet = user is not None and recipient_is_discreet(user)
        context = {**context,
                   "first_name": user.greeting_name if user is not None else "",
                   "discreet": discreet,
                   "practice_name": settings.PRACTICE_NAME,
                   "site_url": settings.SITE_URL}
        message = self.render_mail(template_prefix, email, context)
        if user is not None:
            message.from_email = sender_for(user)
        message.send()
