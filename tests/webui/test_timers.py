"""Timers: failed timers for administrators (/admin/timers) and an instance's timers on
its page. A failing timer comes from the engine: short_wait divides by zero after its hour
and gives up after five attempts."""

from __future__ import annotations

import pytest

from tests.webui.conftest import ROOT, text

TIMERS = ROOT / "tests" / "data" / "engine" / "timers"


@pytest.fixture
def engine(deployed):
    deployed.deploy_files(
        [str(TIMERS / "short_wait.bpmn"), str(TIMERS / "timed_review.bpmn")], deployed_by="pat"
    )
    return deployed


def failed_timer_instance(service):
    """A short wait whose timer failed for good: its script divides by zero every time."""
    instance = service.start_instance(
        "short_wait", username="hana", data={"wait": "PT1H", "divisor": 0}
    )
    service.clock.advance(hours=2)
    for _ in range(6):
        service.fire_due_timers()
        service.clock.advance(hours=1)
    assert [t.instance_id for t in service.list_failed_timers()] == [instance.id]
    return instance


def probation(service, school_id: str = "lincoln_high"):
    """A timed review waiting for its 180-day probation to end."""
    return service.start_instance(
        "timed_review",
        username="hana",
        data={"probation_length": "P180D", "school_id": school_id},
    )


@pytest.mark.parametrize("username", ["hana", "sam", "ada", "lina", "rosa", "otto", "pat"])
def test_failed_timers_are_forbidden_to_other_roles(client, auth, engine, username):
    failed_timer_instance(engine)
    auth.login(username)
    response = client.get("/admin/timers")
    assert response.status_code == 403
    assert "ZeroDivisionError" not in text(response)


def test_failed_timers_need_sign_in(client):
    assert client.get("/admin/timers").location.startswith("/login")


def test_admin_sees_the_failed_timer(client, auth, engine):
    instance = failed_timer_instance(engine)
    probation(engine)  # a waiting timer: not listed
    auth.login("root")
    page = text(client.get("/admin/timers"))
    assert 'aria-current="page">Failed timers</a>' in page
    assert "Short wait" in page and "<code>short_wait</code>" in page
    assert "<code>wait_an_hour</code>" in page
    assert f'href="/instances/{instance.id}">#{instance.id}</a>' in page
    assert "<td>5</td>" in page
    assert "ZeroDivisionError: division by zero" in page
    assert "wait_probation" not in page
    assert 'href="/admin/timers"' in text(client.get("/admin/users"))


def test_no_failed_timers(client, auth, engine):
    auth.login("root")
    assert "No failed timers." in text(client.get("/admin/timers"))


@pytest.mark.parametrize("username", ["hana", "root", "lina", "otto"])
def test_instance_page_shows_its_waiting_timer(client, auth, engine, username):
    instance = probation(engine)
    auth.login(username)
    page = text(client.get(f"/instances/{instance.id}"))
    assert 'id="timers-heading">Timers</h2>' in page
    assert "“Probation ends”" in page
    assert '<time datetime="2027-02-28T08:00:00+00:00">2027-02-28 08:00</time>' in page
    assert "(in 180 days)" in page


def test_another_schools_administrator_sees_no_timers(client, auth, engine):
    instance = probation(engine)
    auth.login("rosa")
    assert client.get(f"/instances/{instance.id}").status_code == 404


def test_instance_without_timers_has_no_timer_section(client, auth, engine):
    instance = engine.start_instance(
        "candidate_review", username="hana", data={"school_id": "lincoln_high"}
    )
    auth.login("hana")
    assert "timers-heading" not in text(client.get(f"/instances/{instance.id}"))


def test_instance_page_shows_a_failed_timer_and_links_admins_to_the_list(client, auth, engine):
    instance = failed_timer_instance(engine)
    auth.login("hana")
    page = text(client.get(f"/instances/{instance.id}"))
    assert "Failed</span>" in page and "gave up after 5 attempts" in page
    assert 'href="/admin/timers"' not in page
    auth.logout()
    auth.login("root")
    assert 'href="/admin/timers"' in text(client.get(f"/instances/{instance.id}"))
