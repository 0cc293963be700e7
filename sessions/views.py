# The client's booking pages are being built (issue 4); until then they answer 404.
from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


appointments = choose_type = pick_time = confirm = waitlist_join = waitlist_leave = _not_yet
detail = reschedule = cancel = appointment_ics = calendar_feed_settings = feed = _not_yet
