"""The form renderer: Jinja2 where Django ships Jinja2 templates, Django templates elsewhere.

Django renders every widget (each radio button, each input) through a template. With Jinja2
the same markup comes out several times faster, which matters on pages of many fields (the
goals check-in with its WHO-5 questions: issue 15). Django ships Jinja2 versions of its own
widget and form templates only; the admin's widgets exist as Django templates, so a name
Jinja2 does not have is rendered by Django's template engine as before.
https://docs.djangoproject.com/en/5.2/ref/forms/renderers/
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template.exceptions import TemplateDoesNotExist


class WidgetRenderer(BaseRenderer):
    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()
        self._missing: set[str] = set()  # names only Django's engine has (no lookup each time)

    def get_template(self, template_name: str):
        if template_name not in self._missing:
            try:
                return self._jinja2.get_template(template_name)
            except TemplateDoesNotExist:
                self._missing.add(template_name)
        return self._django.get_template(template_name)
