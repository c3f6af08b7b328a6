"""Demo logins, one per role. Their passwords live in var/demo-logins.json (mode 600)
so that running the demo again prints the same ones; never use this in production."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from approvals.roles import APPROVERS, OPERATORS, VIEWERS

DEMO_USERS = [
    ("admin", "superuser", []),
    ("operator", OPERATORS, [OPERATORS]),
    ("approver", APPROVERS, [OPERATORS, APPROVERS]),
    ("approver2", APPROVERS, [OPERATORS, APPROVERS]),
    ("viewer", VIEWERS, [VIEWERS]),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def _password_file():
    return settings.BASE_DIR / "var" / "demo-logins.json"


def _load_passwords() -> dict[str, str]:
    path = _password_file()
    return json.loads(path.read_text()) if path.is_file() else {}


def _save_passwords(passwords: dict[str, str]) -> None:
    path = _password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(passwords, handle, indent=2)


def demo_users_ensure() -> list[DemoLogin]:
    """Create (or reset to the remembered password) one staff login per role."""
    User = get_user_model()
    passwords = _load_passwords()
    logins = []
    for username, role, groups in DEMO_USERS:
        password = passwords.setdefault(username, secrets.token_urlsafe(9))
        user, _ = User.objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = role == "superuser"
        user.set_password(password)
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
        logins.append(DemoLogin(username, password, role))
    _save_passwords(passwords)
    return logins
