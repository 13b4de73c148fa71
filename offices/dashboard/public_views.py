"""The public complaint form and the status page a citizen opens with the complaint's tracking code."""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from booking.dates import ascii_digits
from booking.extensions import db
from offices.dashboard import complaints as complaint_ops
from offices.dashboard.blueprint import public_bp
from offices.dashboard.forms import STATUS_LABELS, ComplaintForm
from offices.models import Office


@public_bp.route("/new", methods=["GET", "POST"])
def new():
    form = ComplaintForm()
    if request.method == "GET" and request.args.get("office"):
        form.office.data = request.args["office"][:16]
    status = 200
    if form.validate_on_submit():
        code = ascii_digits(form.office.data or "").strip()
        office = db.session.scalar(select(Office).where(Office.code == code))
        if office is None:
            form.office.errors = list(form.office.errors) + [_unknown_office()]
            status = 422
        else:
            complaint = complaint_ops.file_complaint(office, form.text.data or "", form.contact.data or "",
                                                     form.appointment_code.data or "")
            db.session.commit()
            return redirect(url_for("complaints.status", code=complaint.public_code, new=1))
    elif request.method == "POST":
        status = 422
    return render_template("dashboard/complaint_new.html", form=form, max_text=complaint_ops.MAX_TEXT), status


def _unknown_office() -> str:
    from flask_babel import gettext as _

    return _("There is no office with this code.")


@public_bp.get("/status")
def lookup():
    """The form that asks for a tracking code; sends the citizen on to the status page."""
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("complaints.status", code=complaint_ops.normalise_code(code)))
    return render_template("dashboard/complaint_status.html", complaint=None, labels=dict(STATUS_LABELS))


@public_bp.get("/<code>")
def status(code: str):
    found = complaint_ops.find_complaint(code)
    if found is None:
        abort(404)
    return render_template("dashboard/complaint_status.html", complaint=found, labels=dict(STATUS_LABELS),
                           just_filed=request.args.get("new") == "1")
