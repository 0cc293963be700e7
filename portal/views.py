from django.http import Http404
from django.shortcuts import render


def home(request):
    return render(request, "portal/home.html", {})


def coming_soon(request, feature: str):
    raise Http404
