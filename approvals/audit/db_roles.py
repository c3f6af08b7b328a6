"""Least privilege on PostgreSQL: the SQL that gives migrations and the application
different roles (`manage.py audit_db_roles` prints it).

- The **owner** role owns the database and its tables and runs `migrate`. Only the
  deployment's migration step uses it; it can ALTER, DROP, TRUNCATE and disable triggers.
- The **application** role (web server, job cluster) may SELECT, INSERT, UPDATE and DELETE
  rows, and nothing else: it owns nothing, so it cannot ALTER or DROP a table or disable a
  trigger, and it has no TRUNCATE, TRIGGER or REFERENCES privilege and no CREATE on the
  schema. On the audit tables it may only INSERT and SELECT.

Run part 1 once as a superuser, part 2 once in the database, part 3 after every
`migrate` (new tables get the application's privileges by default, the audit tables lose
UPDATE and DELETE again). Every statement can be run again harmlessly except CREATE ROLE
and CREATE DATABASE.
"""

from __future__ import annotations

import re

from approvals.models import AuditCheckpoint, AuditEvent

AUDIT_TABLES = (AuditEvent._meta.db_table, AuditCheckpoint._meta.db_table)
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def db_role_sql(*, owner: str, app: str, database: str, schema: str = "public") -> list:
    """[(title, [statement, …]), …] for the three parts; raises ValueError for a name that
    is not a plain lower-case SQL identifier (they are written into the SQL unquoted)."""
    for name in (owner, app, database, schema):
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a plain lower-case SQL identifier: {name!r}")
    audit = ", ".join(AUDIT_TABLES)
    return [
        (
            "1. once, as a superuser (then set both passwords: \\password <role>)",
            [
                f"CREATE ROLE {owner} LOGIN",
                f"CREATE ROLE {app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT",
                f"CREATE DATABASE {database} OWNER {owner}",
            ],
        ),
        (
            f"2. once, connected to {database} as a superuser",
            [
                f"REVOKE ALL ON DATABASE {database} FROM PUBLIC",
                f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app}",
                f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
                f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {owner}",
                f"GRANT USAGE ON SCHEMA {schema} TO {app}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema} "
                f"GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            ],
        ),
        (
            f"3. after every migrate, connected to {database} as {owner}",
            [
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app}",
                f"REVOKE UPDATE, DELETE ON {audit} FROM {app}",
            ],
        ),
    ]
