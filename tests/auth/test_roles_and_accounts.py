"""Role checks and staff account administration."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from engage.audit import AuditEvent
from engage.auth.models import User
from engage.auth.permissions import PERMISSIONS, has_permission
from engage.extensions import db
from tests.factories.auth import admin, chief, cso, producer


@pytest.mark.parametrize(
    "path,allowed_roles",
    [
        ("/staff/admin", {"admin"}),
        ("/staff/admin/users", {"admin"}),
        ("/staff/admin/users/new", {"admin"}),
        ("/staff/outputs/new", {"admin"}),
        ("/staff/outputs", {"admin", "chief_statistician", "cso", "producer"}),
        ("/staff", {"admin", "chief_statistician", "cso", "producer"}),
    ],
)
def test_role_checks(app, login, path, allowed_roles):
    makers = {"admin": admin, "chief_statistician": chief, "cso": cso, "producer": producer}
    for role, make in makers.items():
        response = login(make()).get(path)
        expected = 200 if role in allowed_roles else 403
        assert response.status_code == expected, (path, role, response.status_code)


def test_refused_access_is_audited(app, login):
    user = producer()
    login(user).get("/staff/admin/users")
    event = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "access.denied")
    ).scalar_one()
    assert event.actor_id == user.id and event.object_id == "/staff/admin/users"


def test_chief_statistician_holds_every_cso_permission():
    for permission, roles in PERMISSIONS.items():
        if "cso" in roles:
            assert "chief_statistician" in roles, permission


def test_a_person_may_hold_several_roles(app):
    user = producer()
    user.set_roles({"producer", "cso"})
    db.session.commit()
    assert has_permission(user, "triage_cases") and has_permission(user, "draft_consultations")
    assert not has_permission(user, "sign_off_reports")


def test_admin_creates_a_staff_account_with_roles(app, login):
    client = login(admin())
    response = client.post(
        "/staff/admin/users/new",
        data={
            "name": "New Person",
            "email": "New.Person@Example.gov.uk",
            "roles": ["cso", "producer"],
            "password": "a-long-unusual-phrase",
        },
    )
    assert response.status_code == 302
    user = db.session.execute(
        db.select(User).where(User.email == "new.person@example.gov.uk")
    ).scalar_one()
    assert user.roles == {"cso", "producer"}


def test_account_form_errors(app, login):
    existing = producer()
    client = login(admin())
    html = client.post(
        "/staff/admin/users/new",
        data={"name": "", "email": "not-an-email", "password": "password123"},
    ).get_data(as_text=True)
    assert "Enter a name" in html
    assert "Enter an email address in the correct format" in html
    assert "Select at least one role" in html
    html = client.post(
        "/staff/admin/users/new",
        data={"name": "X", "email": existing.email, "roles": ["cso"], "password": "password123"},
    ).get_data(as_text=True)
    assert "already exists" in html


def test_admin_edits_roles_and_deactivates(app, login):
    target = producer()
    client = login(admin())
    response = client.post(
        f"/staff/admin/users/{target.id}",
        data={"name": "Renamed", "roles": ["cso"], "active": ""},
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.roles == {"cso"} and target.active is False and target.name == "Renamed"


def test_admin_cannot_remove_their_own_admin_role(app, login):
    me = admin()
    client = login(me)
    html = client.post(
        f"/staff/admin/users/{me.id}", data={"name": me.name, "roles": ["cso"], "active": "y"}
    ).get_data(as_text=True)
    assert "You cannot remove your own administrator role" in html


def test_users_create_command(app):
    runner = CliRunner()
    result = runner.invoke(
        app.cli,
        [
            "users",
            "create",
            "--email",
            "ops@example.gov.uk",
            "--name",
            "Ops Person",
            "--role",
            "admin",
            "--role",
            "cso",
            "--password",
            "a-long-unusual-phrase",
        ],
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(
        db.select(User).where(User.email == "ops@example.gov.uk")
    ).scalar_one()
    assert user.roles == {"admin", "cso"}
    again = runner.invoke(
        app.cli,
        [
            "users",
            "create",
            "--email",
            "x@example.gov.uk",
            "--name",
            "X",
            "--role",
            "cso",
            "--password",
            "12345678",
        ],
    )
    assert again.exit_code != 0 and "too common" in again.output
