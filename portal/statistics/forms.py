"""The statistics page's filters (a GET form, as on the search)."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from portal.forms import PortalForm
from portal.legal.courts import COURT_LEVELS
from portal.resources.models import LEGAL_AREAS
from portal.statistics.services import StatisticsFilters

YEAR = NumberRange(min=1900, max=2100, message=_l("Bitte ein Jahr wie 2021 angeben."))


class StatisticsForm(PortalForm):
    class Meta:
        csrf = False

    year_from = IntegerField(_l("Jahr von"), validators=[Optional(), YEAR])
    year_to = IntegerField(_l("Jahr bis"), validators=[Optional(), YEAR])
    court_level = SelectField(
        _l("Instanz"),
        choices=[("", _l("alle"))] + list(COURT_LEVELS.items()),
        validators=[Optional()],
    )
    legal_area = SelectField(
        _l("Rechtsgebiet"),
        choices=[("", _l("alle"))] + list(LEGAL_AREAS.items()),
        validators=[Optional()],
    )

    def validate_year_to(self, field):
        if field.data and self.year_from.data and field.data < self.year_from.data:
            raise ValidationError(_l("Das Ende des Zeitraums liegt vor seinem Anfang."))

    def filters(self) -> StatisticsFilters:
        """The chosen filters (call after `validate`)."""
        return StatisticsFilters(
            year_from=self.year_from.data,
            year_to=self.year_to.data,
            court_levels=[self.court_level.data] if self.court_level.data else [],
            legal_areas=[self.legal_area.data] if self.legal_area.data else [],
        )
