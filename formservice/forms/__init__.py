"""The four official forms, each defined once."""
from __future__ import annotations

from . import consent, first_meeting, follow_up_meeting, network_map
from .definition import FormDefinition

FORMS: dict[str, FormDefinition] = {
    module.FORM.id: module.FORM
    for module in (first_meeting, follow_up_meeting, consent, network_map)
}


class UnknownForm(KeyError):
    def __init__(self, form_id):
        super().__init__(form_id)
        self.form_id = form_id

    def __str__(self):
        return (f"Ukendt formular '{self.form_id}'. Kendte formularer: "
                + ", ".join(FORMS) + ".")


def get_form(form_id: str) -> FormDefinition:
    try:
        return FORMS[form_id]
    except (KeyError, TypeError):
        raise UnknownForm(form_id) from None
