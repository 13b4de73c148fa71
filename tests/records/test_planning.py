"""The planning page: scope (403 outside it), the run queued and done by a real RQ worker, the result."""
from __future__ import annotations

import pytest
from rq import SimpleWorker

from booking.extensions import db
from booking.redis_conn import get_queue, get_redis


def run_queued_jobs() -> None:
    """Run every queued job to the end in this process (a real RQ worker, burst mode)."""
    SimpleWorker([get_queue()], connection=get_redis()).work(burst=True)


@pytest.fixture()
def staff(city_data, make_staff):
    users = {"nation": make_staff("sup-iran", scope="nation"),
             "thr": make_staff("sup-thr", scope="province", province_id=city_data.province.id),
             "thr1": make_staff("sup-thr1", scope="district", district_id=city_data.districts[0].id),
             "karaj": make_staff("sup-karaj", scope="district", district_id=city_data.other_city_office.district_id),
             "op": make_staff("op-1", role="operator", office_id=city_data.offices[0].id)}
    other = make_staff("sup-other", scope="province", province_id=None)
    users["other"] = other
    db.session.commit()
    return users


def test_login_required(client, city_data):
    response = client.get("/planning/THR/Tehran")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("user, tehran, karaj", [("nation", 200, 200), ("thr", 200, 200), ("thr1", 403, 403),
                                                 ("karaj", 403, 200), ("other", 403, 403), ("op", 403, 403)])
def test_scope(client, staff, login, user, tehran, karaj):
    login(staff[user].username)
    assert client.get("/planning/THR/Tehran").status_code == tehran
    assert client.get("/planning/THR/Karaj").status_code == karaj
    assert client.post("/planning/THR/Tehran", data={}).status_code in ((302,) if tehran == 200 else (403,))
    if user != "op":
        index = client.get("/planning/").get_data(as_text=True)
        assert ("/planning/THR/Tehran" in index) == (tehran == 200)
    assert client.get("/planning/THR/Nowhere").status_code in (403, 404)


def test_plan_runs_as_a_job(client, staff, login, city_data):
    from offices.models import PlanRun

    login("sup-thr")
    assert 'id="no-plan"' in client.get("/planning/THR/Tehran").get_data(as_text=True)
    response = client.post("/planning/THR/Tehran", data={"new_offices": "۲", "counters": "3", "days": "1"})
    assert response.status_code == 302
    page = client.get("/planning/THR/Tehran").get_data(as_text=True)
    assert 'id="plan-progress"' in page and 'http-equiv="refresh"' in page
    run_queued_jobs()
    run = db.session.query(PlanRun).one()
    db.session.refresh(run)
    assert run.status == "done", run.error
    result = run.result
    assert result["params"] == {"new_offices": 2, "counters": 3, "days": 1}
    assert len(result["chosen"]) == 2 and [c["rank"] for c in result["chosen"]] == [1, 2]
    # the first pick is the candidate with the largest drop when opened alone
    drops = [s["mean_drop"] for s in result["sites"]]
    assert result["chosen"][0]["site"] == max(range(len(drops)), key=lambda j: drops[j])
    assert result["chosen"][0]["mean_drop"] == pytest.approx(max(drops), abs=0.02)
    assert {o["code"] for o in result["offices"]} == {o.code for o in city_data.offices}
    assert all(c["office"] in {o.code for o in city_data.offices} for c in result["counters"])
    page = client.get("/planning/THR/Tehran").get_data(as_text=True)
    assert 'id="plan-result"' in page and "<svg" in page and 'class="chosen"' in page
    assert 'http-equiv="refresh"' not in page
    # the job is safe to run twice: a finished run is left as it is
    from offices.planning.service import run_plan

    assert run_plan(run.id) == result


def test_bad_parameters(client, staff, login):
    login("sup-thr")
    response = client.post("/planning/THR/Tehran", data={"new_offices": "9"})
    assert response.status_code == 302
    assert "۱" in client.get("/planning/THR/Tehran").get_data(as_text=True)
    from offices.models import PlanRun

    assert db.session.query(PlanRun).count() == 0
