"""API tokens: only a digest is stored, the key is shown once, revoked and expired keys fail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from hotdash.models import ApiToken, token_digest

pytestmark = pytest.mark.django_db


def issue(user, **fields) -> tuple[ApiToken, str]:
    token = ApiToken(user=user, name="tiles", **fields)
    key = token.issue()
    token.save()
    return token, key


def get(key, keyword="Token"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    return client.get("/api/v1/health/summary/")


def test_token__stored_as_digest_only(viewer):
    token, key = issue(viewer)
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key not in str(row)
    assert row["digest"] == token_digest(key)


def test_token__valid__authenticates_and_marks_last_use(viewer):
    token, key = issue(viewer)
    assert get(key).status_code == 200
    assert get(key, keyword="Bearer").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("key", ["hd_00000000_forged", "", "a b", "clé"])
def test_token__unknown_or_malformed__401(viewer, key):
    issue(viewer)
    response = get(key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token__revoked__401(viewer):
    token, key = issue(viewer)
    token.revoked_at = timezone.now()
    token.save()
    assert get(key).status_code == 401


def test_token__expired__401(viewer):
    _, key = issue(viewer, expires_at=timezone.now() - timedelta(seconds=1))
    assert get(key).status_code == 401


def test_token__inactive_user__401(viewer):
    _, key = issue(viewer)
    viewer.is_active = False
    viewer.save()
    assert get(key).status_code == 401


def test_command__prints_key_once_and_it_works(viewer, capsys):
    call_command("token_create", viewer.username, name="curl")
    key = capsys.readouterr().out.strip()
    assert key.startswith("hd_") and get(key).status_code == 200


def test_command__unknown_user__clear_error():
    with pytest.raises(CommandError, match="no active user 'ghost'"):
        call_command("token_create", "ghost", name="x")


def test_admin__create__key_shown_once_in_a_message(superuser, client):
    client.force_login(superuser)
    response = client.post(
        "/admin/hotdash/apitoken/add/", {"user": superuser.pk, "name": "ci"}, follow=True
    )
    text = response.content.decode()
    assert "will not be shown again" in text
    token = ApiToken.objects.get()
    key = text.split("will not be shown again: ")[1].split("<")[0].strip()
    assert token_digest(key) == token.digest
    detail = client.get(f"/admin/hotdash/apitoken/{token.pk}/change/").content.decode()
    assert key not in detail


def test_admin__operator__creates_and_sees_only_own_tokens(client, operator, viewer):
    others, _ = issue(viewer)
    client.force_login(operator)
    client.post("/admin/hotdash/apitoken/add/", {"name": "mine"})
    mine = ApiToken.objects.get(name="mine")
    assert mine.user == operator
    listing = client.get("/admin/hotdash/apitoken/").content.decode()
    assert mine.prefix in listing and others.prefix not in listing


def test_token_list__shows_prefix_user_name_state__never_the_key(viewer, capsys):
    call_command("token_create", viewer.username, name="tiles", days=30)
    key = capsys.readouterr().out.strip()

    call_command("token_list")
    out = capsys.readouterr().out

    prefix = "_".join(key.split("_")[:2])
    header, line = out.strip().splitlines()
    assert header.split()[:4] == ["prefix", "user", "name", "state"]
    assert line.split()[:4] == [prefix, viewer.username, "tiles", "active"]
    assert key not in out and key.split("_")[2] not in out


def test_token_list__revoked_hidden_unless_all(viewer, capsys):
    call_command("token_create", viewer.username, name="old")
    key = capsys.readouterr().out.strip()
    call_command("token_revoke", "_".join(key.split("_")[:2]))
    capsys.readouterr()

    call_command("token_list")
    assert len(capsys.readouterr().out.strip().splitlines()) == 1  # the header only
    call_command("token_list", "--all")
    assert "revoked" in capsys.readouterr().out


def test_token_list__unknown_user__clear_error():
    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command("token_list", "--user", "ghost")


def test_token_revoke__next_request_is_401_and_audited(viewer, capsys):
    from approvals.models import AuditEvent

    call_command("token_create", viewer.username, name="laptop")
    key = capsys.readouterr().out.strip()
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/health/summary/").status_code == 200

    call_command("token_revoke", key)  # the whole key works as a prefix too

    assert client.get("/api/v1/health/summary/").status_code == 401
    assert AuditEvent.objects.filter(verb="api_token.revoke").count() == 1
    assert "revoked hd_" in capsys.readouterr().out


def test_token_revoke__twice__clear_error(viewer, capsys):
    call_command("token_create", viewer.username, name="x")
    prefix = "_".join(capsys.readouterr().out.strip().split("_")[:2])
    call_command("token_revoke", prefix)

    with pytest.raises(CommandError, match="already revoked"):
        call_command("token_revoke", prefix)


def test_token_revoke__unknown_prefix__clear_error():
    with pytest.raises(CommandError, match="No token with prefix 'deadbeef'"):
        call_command("token_revoke", "hd_deadbeef")
