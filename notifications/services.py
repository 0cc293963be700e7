# Placeholder: the outbox is being written (issue 2).
from clients.models import User


def welcome_schedule(*, user: User) -> None:
    raise NotImplementedError
