"""``/survey/<tracking code>``: the form, and the thanks."""
from __future__ import annotations

from flask import render_template, request

from booking.dates import ascii_digits
from booking.extensions import db
from booking.survey.blueprint import bp
from booking.survey.feedback import SurveyError, record_feedback, survey_target


@bp.route("/survey/<tracking_code>", methods=["GET", "POST"])
def form(tracking_code: str):
    try:
        target = survey_target(tracking_code)
    except SurveyError as error:
        return render_template("survey/form.html", error=str(error), target=None), error.status
    if request.method == "GET" or target.answered is not None:
        return render_template("survey/form.html", target=target, error=None, thanks=target.answered is not None)
    raw = ascii_digits(request.form.get("rating", "")).strip()
    try:
        feedback = record_feedback(tracking_code, int(raw) if raw.isdigit() else 0,
                                   request.form.get("comment", ""))
    except SurveyError as error:
        db.session.rollback()
        return render_template("survey/form.html", target=target, error=str(error),
                               comment=request.form.get("comment", "")), error.status
    db.session.commit()
    return render_template("survey/form.html", target=target, error=None, thanks=True, feedback=feedback)
