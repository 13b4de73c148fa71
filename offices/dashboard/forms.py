"""Forms of the complaint pages (CSRF through Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from booking.security import clean_text

STATUS_LABELS = (("new", _l("New")), ("in_review", _l("In review")), ("resolved", _l("Resolved")))


class ComplaintForm(FlaskForm):
    office = StringField(_l("Office code"), validators=[DataRequired(), Length(max=16)])
    appointment_code = StringField(_l("Booking tracking code (optional)"), validators=[Optional(), Length(max=16)])
    text = TextAreaField(_l("Your complaint or report"), validators=[DataRequired(), Length(min=10, max=4000)],
                         filters=[clean_text])
    contact = StringField(_l("Mobile or e-mail for the answer (optional)"), validators=[Optional(), Length(max=120)])


class AnswerForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(value, label) for value, label in STATUS_LABELS])
    answer = TextAreaField(_l("Answer to the citizen"), validators=[Optional(), Length(max=4000)])
