"""Which units of the hierarchy a member of staff may see on the dashboard."""
from __future__ import annotations

from booking.extensions import db
from offices.kpis import NATION, Unit, find_unit
from offices.models import District, Province, Role, Scope, User


def can_see_unit(user: User, unit: Unit) -> bool:
    """Admins and national supervisors see everything; a province supervisor their province and what is in it;
    a district supervisor their district and its offices."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN.value:
        return True
    if user.role != Role.SUPERVISOR.value:
        return False
    if user.scope == Scope.NATION.value:
        return True
    by_level = {u.level: u.id for u in unit.trail()}
    if user.scope == Scope.PROVINCE.value:
        return by_level.get("province") == user.province_id and user.province_id is not None
    if user.scope == Scope.DISTRICT.value:
        return by_level.get("district") == user.district_id and user.district_id is not None
    return False


def home_unit(user: User) -> Unit | None:
    """The unit a supervisor's dashboard opens on: the nation, their province or their district."""
    if user.role == Role.ADMIN.value or user.scope == Scope.NATION.value:
        return NATION
    if user.scope == Scope.PROVINCE.value and user.province_id is not None:
        province = db.session.get(Province, user.province_id)
        return find_unit("province", province.code) if province else None
    if user.scope == Scope.DISTRICT.value and user.district_id is not None:
        district = db.session.get(District, user.district_id)
        return find_unit("district", district.code) if district else None
    return None
