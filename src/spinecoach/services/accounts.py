"""Accounts: users, logins, login sessions, personal access tokens, TOTP, clinician assignment.

No default credentials exist: the first admin is made by ``spinecoach users create`` or, on a
first start with no user at all, with a generated password shown once (:func:`bootstrap_admin`).
Passwords are argon2 hashes (pwdlib); session ids and access tokens are random values of which
only a SHA-256 digest is stored. Repeated failed logins lock the account for a while; every
login, logout and account change is audited (never with the password or the token).

Each use case takes an unentered :class:`~spinecoach.store.unit_of_work.UnitOfWork` and runs in
one transaction of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyotp
import sqlalchemy as sa
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from spinecoach.services import audit, clinic
from spinecoach.services.actors import SYSTEM, Actor, Role
from spinecoach.services.errors import Conflict, Forbidden, InputError, NotFound, ServiceError
from spinecoach.settings import ServiceSettings
from spinecoach.store.accounts import access_tokens, auth_sessions, users
from spinecoach.store.repositories import new_id
from spinecoach.store.unit_of_work import UnitOfWork

__all__ = [
    "PASSWORD_MIN_LENGTH",
    "SCOPES",
    "AccessPolicy",
    "Account",
    "AccountLocked",
    "AuthenticationFailed",
    "NewSession",
    "NewToken",
    "SecondFactorRequired",
    "SessionGrant",
    "TokenGrant",
    "TokenInfo",
    "TotpEnrolment",
    "assign_clinician",
    "begin_totp",
    "bootstrap_admin",
    "change_password",
    "confirm_totp",
    "count_users",
    "create_token",
    "create_user",
    "find_user",
    "get_user",
    "list_tokens",
    "list_users",
    "login",
    "logout",
    "revoke_sessions",
    "revoke_token",
    "session_grant",
    "token_grant",
    "unassign_clinician",
    "update_user",
]

PASSWORD_MIN_LENGTH = 12
"""Clinic policy; NIST SP 800-63B (5.1.1.2) asks at least 8 characters and no composition rules."""

PASSWORD_MAX_LENGTH = 256
"""Longer inputs are refused before hashing (argon2 cost grows with input length)."""

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
"""Lower-case letters, digits, dot, dash, underscore; 3-64 characters."""

SCOPES = frozenset({"read", "write"})
"""``read``: GET requests; ``write``: every other method (a write token should also hold read)."""

TOKEN_PREFIX = "spc_"
"""Access tokens start with this so a leaked one is recognisable in code and logs scanners."""

TOUCH_EVERY = dt.timedelta(seconds=60)
"""A session's last use is written at most once a minute (idle expiry needs no finer grain)."""

TOTP_ISSUER = "spinecoach"

_HASHER = PasswordHash((Argon2Hasher(memory_cost=19_456, time_cost=2, parallelism=1),))
"""argon2id with 19 MiB, 2 passes, 1 lane: the OWASP Password Storage Cheat Sheet's first
recommended configuration; about 0.1 s per hash on one core of a small server."""


class AuthenticationFailed(ServiceError):  # noqa: N818 (the names the API maps)
    """A login was refused; the message does not tell which of username or password was wrong."""

    def __init__(self, message: str = "username or password: not accepted") -> None:
        super().__init__(message)


class AccountLocked(AuthenticationFailed):
    """Too many failed logins: the account is locked until ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__("account locked after repeated failed logins; try again later")
        self.until = until


class SecondFactorRequired(AuthenticationFailed):
    """The account has TOTP enrolled and no (or a wrong) ``totp_code`` was given."""

    def __init__(self) -> None:
        super().__init__("totp_code: a current code from the authenticator app is required")


@dataclass(frozen=True)
class AccessPolicy:
    """How long logins last, how many failures lock an account, who needs a second factor."""

    session_idle: dt.timedelta = dt.timedelta(minutes=30)
    session_absolute: dt.timedelta = dt.timedelta(hours=12)
    max_failed_logins: int = 5
    lockout: dt.timedelta = dt.timedelta(minutes=15)
    token_max_days: int = 365
    totp_required_for: frozenset[Role] = frozenset({Role.ADMIN, Role.CLINICIAN})

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> AccessPolicy:
        return cls(
            session_idle=dt.timedelta(minutes=settings.session_idle_minutes),
            session_absolute=dt.timedelta(hours=settings.session_absolute_hours),
            max_failed_logins=settings.max_failed_logins,
            lockout=dt.timedelta(minutes=settings.lockout_minutes),
            totp_required_for=frozenset(Role(r) for r in settings.totp_required_for),
        )

    def needs_second_factor(self, roles: Iterable[Role]) -> bool:
        return any(role in self.totp_required_for for role in roles)


@dataclass(frozen=True)
class Account:
    """A user as the service shows it (never the hash or the TOTP secret)."""

    id: str
    username: str
    display_name: str
    roles: frozenset[Role]
    patient_id: str | None
    active: bool
    totp_enabled: bool
    failed_logins: int
    locked_until: dt.datetime | None
    password_changed_at: dt.datetime
    created_at: dt.datetime

    def actor(self, remote_addr: str | None = None) -> Actor:
        return Actor(
            user_id=self.id,
            username=self.username,
            roles=self.roles,
            patient_id=self.patient_id,
            remote_addr=remote_addr,
        )


@dataclass(frozen=True)
class NewSession:
    """A login session just opened: the cookie value and the CSRF token are shown only now."""

    token: str
    csrf_token: str
    expires_at: dt.datetime
    account: Account
    second_factor: bool
    """False while a required second factor is not enrolled yet (only enrolment is allowed)."""


@dataclass(frozen=True)
class SessionGrant:
    """What a valid session cookie grants."""

    actor: Actor
    csrf_hash: str
    second_factor: bool
    expires_at: dt.datetime

    def csrf_matches(self, csrf_token: str) -> bool:
        return hmac.compare_digest(self.csrf_hash, _digest(csrf_token))


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    scopes: frozenset[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class NewToken:
    """A personal access token just made: ``secret`` is shown once and stored only as a digest."""

    info: TokenInfo
    secret: str


@dataclass(frozen=True)
class TokenGrant:
    actor: Actor
    scopes: frozenset[str]


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    uri: str
    """``otpauth://`` URI for an authenticator app (as a QR code or typed in)."""


# -- helpers ---------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _roles_column(roles: Iterable[Role]) -> str:
    return ",".join(sorted(str(r) for r in roles))


def _parse_roles(value: str) -> frozenset[Role]:
    return frozenset(Role(r) for r in value.split(",") if r)


def _account(row: sa.Row[Any]) -> Account:
    m = row._mapping
    return Account(
        id=m["id"],
        username=m["username"],
        display_name=m["display_name"],
        roles=_parse_roles(m["roles"]),
        patient_id=m["patient_id"],
        active=bool(m["active"]),
        totp_enabled=m["totp_confirmed_at"] is not None,
        failed_logins=int(m["failed_logins"]),
        locked_until=m["locked_until"],
        password_changed_at=m["password_changed_at"],
        created_at=m["created_at"],
    )


def _token_info(row: sa.Row[Any]) -> TokenInfo:
    m = row._mapping
    return TokenInfo(
        id=m["id"],
        name=m["name"],
        scopes=frozenset(m["scopes"].split()),
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        last_used_at=m["last_used_at"],
        revoked_at=m["revoked_at"],
    )


def _user_row(uow: UnitOfWork, user_id: str) -> sa.Row[Any] | None:
    return uow.connection.execute(sa.select(users).where(users.c.id == user_id)).first()


def _require_admin(actor: Actor) -> None:
    if not actor.has(Role.ADMIN):
        raise Forbidden("only an admin manages accounts")


def check_password(password: str, *, username: str, field: str = "password") -> None:
    """Refuse a password the clinic policy does not allow; the message names the field."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InputError(f"{field}: at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InputError(f"{field}: at most {PASSWORD_MAX_LENGTH} characters")
    if username.lower() in password.lower():
        raise InputError(f"{field}: must not contain the username")


def _check_roles(roles: frozenset[Role], patient_id: str | None) -> None:
    if not roles:
        raise InputError("roles: at least one of admin, clinician, patient")
    if Role.PATIENT in roles and len(roles) > 1:
        raise InputError("roles: a patient account holds no other role")
    if (Role.PATIENT in roles) != (patient_id is not None):
        raise InputError("patient_id: required for a patient account, and only for one")


def _revoke_all_sessions(uow: UnitOfWork, user_id: str, now: dt.datetime) -> int:
    result = uow.connection.execute(
        auth_sessions.update()
        .where(auth_sessions.c.user_id == user_id, auth_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)


# -- users -------------------------------------------------------------------------------------


def count_users(uow: UnitOfWork) -> int:
    with uow:
        return int(
            uow.connection.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()
        )


def _insert_user(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    roles: frozenset[Role],
    display_name: str,
    patient_id: str | None,
    now: dt.datetime,
) -> str:
    if not USERNAME.match(username):
        raise InputError(
            "username: 3-64 lower-case letters, digits, '.', '-' or '_', starting with a letter "
            "or digit"
        )
    check_password(password, username=username)
    _check_roles(roles, patient_id)
    taken = uow.connection.execute(sa.select(users.c.id).where(users.c.username == username))
    if taken.first() is not None:
        raise Conflict(f"username {username!r} is taken")
    if patient_id is not None:
        if uow.patients.get(patient_id) is None:
            raise NotFound("patient", patient_id)
        owner = uow.connection.execute(
            sa.select(users.c.id).where(users.c.patient_id == patient_id)
        )
        if owner.first() is not None:
            raise Conflict(f"patient_id: patient {patient_id!r} already has an account")
    user_id = new_id()
    uow.connection.execute(
        users.insert().values(
            id=user_id,
            username=username,
            display_name=display_name,
            roles=_roles_column(roles),
            password_hash=_HASHER.hash(password),
            patient_id=patient_id,
            active=True,
            failed_logins=0,
            password_changed_at=now,
            created_at=now,
        )
    )
    return user_id


def create_user(
    uow: UnitOfWork,
    actor: Actor,
    *,
    username: str,
    password: str,
    roles: Iterable[Role],
    display_name: str = "",
    patient_id: str | None = None,
    now: dt.datetime | None = None,
) -> Account:
    """Create an account (admin only). A patient account is tied to one patient record."""
    _require_admin(actor)
    now = now or _now()
    with uow:
        user_id = _insert_user(
            uow,
            username=username,
            password=password,
            roles=frozenset(roles),
            display_name=display_name,
            patient_id=patient_id,
            now=now,
        )
        audit.record(uow, actor, "user.create", object_type="User", object_id=user_id)
        row = _user_row(uow, user_id)
        assert row is not None
        uow.commit()
    return _account(row)


def bootstrap_admin(
    uow: UnitOfWork, *, username: str = "admin", now: dt.datetime | None = None
) -> tuple[Account, str] | None:
    """On a first start with no account at all: an admin with a generated password.

    Returns the account and the password (to be shown once, never stored in the clear), or
    None when any account exists already.
    """
    now = now or _now()
    with uow:
        if uow.connection.execute(sa.select(users.c.id).limit(1)).first() is not None:
            return None
        password = secrets.token_urlsafe(18)
        user_id = _insert_user(
            uow,
            username=username,
            password=password,
            roles=frozenset({Role.ADMIN}),
            display_name="First administrator",
            patient_id=None,
            now=now,
        )
        audit.record(uow, SYSTEM, "user.create", object_type="User", object_id=user_id)
        row = _user_row(uow, user_id)
        assert row is not None
        uow.commit()
    return _account(row), password


def list_users(
    uow: UnitOfWork,
    actor: Actor,
    *,
    role: Role | None = None,
    active: bool | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[Account], int]:
    """Accounts by username (admin only), with the total before paging."""
    _require_admin(actor)
    query = sa.select(users)
    if role is not None:
        query = query.where(users.c.roles.contains(str(role)))
    if active is not None:
        query = query.where(users.c.active == active)
    with uow:
        total = uow.connection.execute(
            sa.select(sa.func.count()).select_from(query.subquery())
        ).scalar_one()
        rows = uow.connection.execute(
            query.order_by(users.c.username).offset(offset).limit(limit)
        ).all()
        audit.record(uow, actor, "user.list", object_type="User")
        uow.commit()
    return [_account(r) for r in rows], int(total)


def find_user(uow: UnitOfWork, actor: Actor, username: str) -> Account:
    """An account by username (admin only)."""
    _require_admin(actor)
    with uow:
        row = uow.connection.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None:
            raise NotFound("user", username)
        audit.record(uow, actor, "user.read", object_type="User", object_id=row._mapping["id"])
        uow.commit()
    return _account(row)


def get_user(uow: UnitOfWork, actor: Actor, user_id: str) -> Account:
    """One account: an admin any, anyone else only their own."""
    if not actor.has(Role.ADMIN) and actor.user_id != user_id:
        raise NotFound("user", user_id)
    with uow:
        row = _user_row(uow, user_id)
        if row is None:
            raise NotFound("user", user_id)
        audit.record(uow, actor, "user.read", object_type="User", object_id=user_id)
        uow.commit()
    return _account(row)


def update_user(
    uow: UnitOfWork,
    actor: Actor,
    user_id: str,
    *,
    display_name: str | None = None,
    roles: Iterable[Role] | None = None,
    active: bool | None = None,
    unlock: bool = False,
    reset_totp: bool = False,
    password: str | None = None,
    now: dt.datetime | None = None,
) -> Account:
    """Change an account (admin only). Deactivating it, or setting its password, ends its
    sessions and tokens; ``unlock`` clears a lockout; ``reset_totp`` asks for a new enrolment."""
    _require_admin(actor)
    now = now or _now()
    with uow:
        row = _user_row(uow, user_id)
        if row is None:
            raise NotFound("user", user_id)
        current = _account(row)
        values: dict[str, Any] = {}
        if display_name is not None:
            values["display_name"] = display_name
        if roles is not None:
            new_roles = frozenset(roles)
            _check_roles(new_roles, current.patient_id)
            if user_id == actor.user_id and Role.ADMIN not in new_roles:
                raise Conflict("roles: an admin cannot remove their own admin role")
            values["roles"] = _roles_column(new_roles)
        if active is not None:
            if user_id == actor.user_id and not active:
                raise Conflict("active: an admin cannot deactivate their own account")
            values["active"] = active
        if unlock:
            values.update(failed_logins=0, locked_until=None)
        if reset_totp:
            values.update(totp_secret=None, totp_confirmed_at=None)
        if password is not None:
            check_password(password, username=current.username)
            values.update(password_hash=_HASHER.hash(password), password_changed_at=now)
        if values:
            uow.connection.execute(users.update().where(users.c.id == user_id).values(**values))
        if active is False or password is not None or reset_totp:
            _revoke_all_sessions(uow, user_id, now)
        if active is False or password is not None:
            uow.connection.execute(
                access_tokens.update()
                .where(access_tokens.c.user_id == user_id, access_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        audit.record(uow, actor, "user.update", object_type="User", object_id=user_id)
        row = _user_row(uow, user_id)
        assert row is not None
        uow.commit()
    return _account(row)


# -- login and sessions --------------------------------------------------------------------------


def login(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    totp_code: str | None = None,
    remote_addr: str | None = None,
    policy: AccessPolicy,
    now: dt.datetime | None = None,
) -> NewSession:
    """Check the credentials and open a login session.

    A failure counts against the account (it is locked for ``policy.lockout`` after
    ``policy.max_failed_logins`` failures in a row) and is audited; the failure is committed
    before the error is raised. A user whose role requires TOTP but who has not enrolled yet
    gets a session limited to enrolment (``second_factor`` False).
    """
    now = now or _now()
    failure: AuthenticationFailed | None = None
    with uow:
        row = uow.connection.execute(sa.select(users).where(users.c.username == username)).first()
        if row is None:
            _HASHER.hash(password[:PASSWORD_MAX_LENGTH])  # same cost as a wrong password
            _audit_login(uow, None, username, remote_addr, "failure")
            uow.commit()
            raise AuthenticationFailed()
        account = _account(row)
        m = row._mapping
        if account.locked_until is not None and account.locked_until > now:
            _audit_login(uow, account, username, remote_addr, "failure")
            uow.commit()
            raise AccountLocked(account.locked_until)
        password_ok = len(password) <= PASSWORD_MAX_LENGTH and _HASHER.verify(
            password, m["password_hash"]
        )
        if not password_ok or not account.active:
            failure = AuthenticationFailed()
        elif account.totp_enabled and not _totp_ok(m["totp_secret"], totp_code):
            failure = SecondFactorRequired()
        if failure is not None:
            failed = account.failed_logins + 1
            values: dict[str, Any] = {"failed_logins": failed}
            if failed >= policy.max_failed_logins:
                values.update(failed_logins=0, locked_until=now + policy.lockout)
            uow.connection.execute(users.update().where(users.c.id == account.id).values(**values))
            _audit_login(uow, account, username, remote_addr, "failure")
            uow.commit()
            raise failure
        uow.connection.execute(
            users.update()
            .where(users.c.id == account.id)
            .values(failed_logins=0, locked_until=None)
        )
        required = _totp_roles(uow, policy)
        second_factor = account.totp_enabled or not (required & account.roles)
        token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires_at = now + policy.session_absolute
        uow.connection.execute(
            auth_sessions.insert().values(
                id_hash=_digest(token),
                user_id=account.id,
                csrf_hash=_digest(csrf_token),
                second_factor=second_factor,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )
        _audit_login(uow, account, username, remote_addr, "success")
        uow.commit()
    return NewSession(
        token=token,
        csrf_token=csrf_token,
        expires_at=expires_at,
        account=account,
        second_factor=second_factor,
    )


def _totp_roles(uow: UnitOfWork, policy: AccessPolicy) -> frozenset[Role]:
    """Roles that need TOTP: the clinic's setting in the record, else the start-up policy."""
    stored = uow.settings.get(clinic.POLICY_KEY)
    if stored is None:
        return policy.totp_required_for
    return frozenset(Role(r) for r in clinic.ClinicPolicy.model_validate(stored).totp_required_for)


def _audit_login(
    uow: UnitOfWork,
    account: Account | None,
    username: str,
    remote_addr: str | None,
    outcome: str,
) -> None:
    # An unknown username is not stored (it may be a mistyped password).
    actor = account.actor(remote_addr) if account is not None else None
    audit.record(
        uow,
        actor,
        "login",
        object_type="User",
        object_id=None if account is None else account.id,
        outcome=outcome,
        code="E",
        remote_addr=remote_addr,
    )


def session_grant(
    uow: UnitOfWork,
    token: str,
    *,
    policy: AccessPolicy,
    remote_addr: str | None = None,
    now: dt.datetime | None = None,
) -> SessionGrant | None:
    """What a session cookie grants, or None when it is unknown, revoked or expired.

    Idle expiry ends (revokes) the session; use extends it (written at most once a minute).
    """
    now = now or _now()
    with uow:
        row = uow.connection.execute(
            sa.select(
                users,
                auth_sessions.c.id_hash,
                auth_sessions.c.csrf_hash,
                auth_sessions.c.second_factor,
                auth_sessions.c.last_seen_at,
                auth_sessions.c.expires_at,
                auth_sessions.c.revoked_at,
            )
            .join(users, users.c.id == auth_sessions.c.user_id)
            .where(auth_sessions.c.id_hash == _digest(token))
        ).first()
        if row is None:
            return None
        m = row._mapping
        if m["revoked_at"] is not None or not m["active"]:
            return None
        last_seen: dt.datetime = m["last_seen_at"]
        if m["expires_at"] <= now or last_seen + policy.session_idle <= now:
            uow.connection.execute(
                auth_sessions.update()
                .where(auth_sessions.c.id_hash == m["id_hash"])
                .values(revoked_at=now)
            )
            uow.commit()
            return None
        if now - last_seen >= TOUCH_EVERY:
            uow.connection.execute(
                auth_sessions.update()
                .where(auth_sessions.c.id_hash == m["id_hash"])
                .values(last_seen_at=now)
            )
            uow.commit()
        account = _account(row)
        return SessionGrant(
            actor=account.actor(remote_addr),
            csrf_hash=m["csrf_hash"],
            second_factor=bool(m["second_factor"]),
            expires_at=m["expires_at"],
        )


def logout(uow: UnitOfWork, actor: Actor, token: str, *, now: dt.datetime | None = None) -> None:
    """End the session of ``token`` (the cookie stops working at once)."""
    now = now or _now()
    with uow:
        uow.connection.execute(
            auth_sessions.update()
            .where(auth_sessions.c.id_hash == _digest(token), auth_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit.record(uow, actor, "logout", object_type="User", object_id=actor.user_id)
        uow.commit()


def revoke_sessions(
    uow: UnitOfWork, actor: Actor, user_id: str, *, now: dt.datetime | None = None
) -> int:
    """End every open session of a user (an admin any user's, anyone else their own)."""
    if not actor.has(Role.ADMIN) and actor.user_id != user_id:
        raise NotFound("user", user_id)
    now = now or _now()
    with uow:
        if _user_row(uow, user_id) is None:
            raise NotFound("user", user_id)
        count = _revoke_all_sessions(uow, user_id, now)
        audit.record(uow, actor, "user.revoke_sessions", object_type="User", object_id=user_id)
        uow.commit()
    return count


def change_password(
    uow: UnitOfWork,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    now: dt.datetime | None = None,
) -> None:
    """Change one's own password; every session of the account ends (log in again)."""
    now = now or _now()
    with uow:
        row = _user_row(uow, actor.user_id)
        if row is None:
            raise NotFound("user", actor.user_id)
        if not _HASHER.verify(
            current_password[:PASSWORD_MAX_LENGTH], row._mapping["password_hash"]
        ):
            raise InputError("current_password: not accepted")
        check_password(new_password, username=actor.username, field="new_password")
        uow.connection.execute(
            users.update()
            .where(users.c.id == actor.user_id)
            .values(password_hash=_HASHER.hash(new_password), password_changed_at=now)
        )
        _revoke_all_sessions(uow, actor.user_id, now)
        audit.record(uow, actor, "user.password", object_type="User", object_id=actor.user_id)
        uow.commit()


# -- personal access tokens ---------------------------------------------------------------------


def create_token(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int,
    policy: AccessPolicy,
    now: dt.datetime | None = None,
) -> NewToken:
    """A personal access token for the actor's own account, scoped and expiring."""
    scope_set = frozenset(scopes)
    if not scope_set or not scope_set <= SCOPES:
        raise InputError("scopes: one or more of " + ", ".join(sorted(SCOPES)))
    if not 1 <= expires_in_days <= policy.token_max_days:
        raise InputError(f"expires_in_days: between 1 and {policy.token_max_days}")
    if not name.strip() or len(name) > 100:
        raise InputError("name: 1-100 characters")
    now = now or _now()
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = new_id()
    with uow:
        uow.connection.execute(
            access_tokens.insert().values(
                id=token_id,
                token_hash=_digest(secret),
                user_id=actor.user_id,
                name=name.strip(),
                scopes=" ".join(sorted(scope_set)),
                created_at=now,
                expires_at=now + dt.timedelta(days=expires_in_days),
            )
        )
        audit.record(uow, actor, "token.create", object_type="AccessToken", object_id=token_id)
        row = uow.connection.execute(
            sa.select(access_tokens).where(access_tokens.c.id == token_id)
        ).one()
        uow.commit()
    return NewToken(info=_token_info(row), secret=secret)


def token_grant(
    uow: UnitOfWork,
    secret: str,
    *,
    remote_addr: str | None = None,
    now: dt.datetime | None = None,
) -> TokenGrant | None:
    """What a bearer token grants, or None when it is unknown, revoked or expired."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = now or _now()
    with uow:
        row = uow.connection.execute(
            sa.select(
                users,
                access_tokens.c.token_hash,
                access_tokens.c.scopes,
                access_tokens.c.expires_at,
                access_tokens.c.last_used_at,
                access_tokens.c.revoked_at,
            )
            .join(users, users.c.id == access_tokens.c.user_id)
            .where(access_tokens.c.token_hash == _digest(secret))
        ).first()
        if row is None:
            return None
        m = row._mapping
        if m["revoked_at"] is not None or m["expires_at"] <= now or not m["active"]:
            return None
        last_used: dt.datetime | None = m["last_used_at"]
        if last_used is None or now - last_used >= TOUCH_EVERY:
            uow.connection.execute(
                access_tokens.update()
                .where(access_tokens.c.token_hash == m["token_hash"])
                .values(last_used_at=now)
            )
            uow.commit()
        account = _account(row)
        return TokenGrant(actor=account.actor(remote_addr), scopes=frozenset(m["scopes"].split()))


def list_tokens(uow: UnitOfWork, actor: Actor) -> list[TokenInfo]:
    """The actor's own tokens, newest first (the secrets are never shown again)."""
    with uow:
        rows = uow.connection.execute(
            sa.select(access_tokens)
            .where(access_tokens.c.user_id == actor.user_id)
            .order_by(access_tokens.c.created_at.desc())
        ).all()
    return [_token_info(r) for r in rows]


def revoke_token(
    uow: UnitOfWork, actor: Actor, token_id: str, *, now: dt.datetime | None = None
) -> TokenInfo:
    """Revoke one of the actor's tokens (an admin may revoke anyone's)."""
    now = now or _now()
    with uow:
        row = uow.connection.execute(
            sa.select(access_tokens).where(access_tokens.c.id == token_id)
        ).first()
        if row is None or (row._mapping["user_id"] != actor.user_id and not actor.has(Role.ADMIN)):
            raise NotFound("access token", token_id)
        uow.connection.execute(
            access_tokens.update()
            .where(access_tokens.c.id == token_id, access_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        audit.record(uow, actor, "token.revoke", object_type="AccessToken", object_id=token_id)
        row = uow.connection.execute(
            sa.select(access_tokens).where(access_tokens.c.id == token_id)
        ).one()
        uow.commit()
    return _token_info(row)


# -- TOTP --------------------------------------------------------------------------------------


def _totp_ok(secret: str | None, code: str | None) -> bool:
    if not secret or not code:
        return False
    code = code.strip().replace(" ", "")
    # One 30-second step either side tolerates a phone clock slightly off (RFC 6238, 5.2).
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def begin_totp(uow: UnitOfWork, actor: Actor, *, keep_pending: bool = False) -> TotpEnrolment:
    """Start TOTP enrolment: a new secret, effective once :func:`confirm_totp` sees a code.

    ``keep_pending`` gives back the secret already waiting for its first code, when there is
    one (an enrolment page shown again must show the secret the app has already scanned)."""
    with uow:
        row = _user_row(uow, actor.user_id)
        if row is None:
            raise NotFound("user", actor.user_id)
        if row._mapping["totp_confirmed_at"] is not None:
            raise Conflict("totp: already enrolled; an admin can reset it")
        pending: str | None = row._mapping["totp_secret"] if keep_pending else None
        secret = pending or pyotp.random_base32()
        if pending is None:
            uow.connection.execute(
                users.update().where(users.c.id == actor.user_id).values(totp_secret=secret)
            )
            audit.record(uow, actor, "totp.begin", object_type="User", object_id=actor.user_id)
            uow.commit()
    uri = pyotp.TOTP(secret).provisioning_uri(name=actor.username, issuer_name=TOTP_ISSUER)
    return TotpEnrolment(secret=secret, uri=uri)


def confirm_totp(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    *,
    session_token: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Finish enrolment with a current code; the session it came from counts as two-factor."""
    now = now or _now()
    with uow:
        row = _user_row(uow, actor.user_id)
        if row is None:
            raise NotFound("user", actor.user_id)
        m = row._mapping
        if m["totp_confirmed_at"] is not None:
            raise Conflict("totp: already enrolled")
        if not m["totp_secret"]:
            raise Conflict("totp: start enrolment first")
        if not _totp_ok(m["totp_secret"], code):
            raise InputError("code: not the current code of the authenticator app")
        uow.connection.execute(
            users.update().where(users.c.id == actor.user_id).values(totp_confirmed_at=now)
        )
        if session_token is not None:
            uow.connection.execute(
                auth_sessions.update()
                .where(auth_sessions.c.id_hash == _digest(session_token))
                .values(second_factor=True)
            )
        audit.record(uow, actor, "totp.confirm", object_type="User", object_id=actor.user_id)
        uow.commit()


# -- clinician assignment ----------------------------------------------------------------------


def _clinician(uow: UnitOfWork, clinician_id: str) -> Account:
    row = _user_row(uow, clinician_id)
    if row is None or Role.CLINICIAN not in _parse_roles(row._mapping["roles"]):
        raise NotFound("clinician", clinician_id)
    return _account(row)


def assign_clinician(
    uow: UnitOfWork,
    actor: Actor,
    *,
    clinician_id: str,
    patient_id: str,
    now: dt.datetime | None = None,
) -> bool:
    """Give a clinician access to a patient (admin only); False when already assigned.

    Checks that ``clinician_id`` is a clinician's account, then assigns through
    :func:`spinecoach.services.patients.assign_clinician`.
    """
    from spinecoach.services import patients

    _require_admin(actor)
    with uow:
        _clinician(uow, clinician_id)
    return patients.assign_clinician(uow, actor, patient_id, clinician_id, now=now)


def unassign_clinician(
    uow: UnitOfWork, actor: Actor, *, clinician_id: str, patient_id: str
) -> bool:
    """Withdraw a clinician's access to a patient (admin only); False when not assigned."""
    _require_admin(actor)
    with uow:
        _clinician(uow, clinician_id)
        if uow.patients.get(patient_id) is None:
            raise NotFound("patient", patient_id)
        removed = uow.patients.unassign(patient_id, clinician_id)
        audit.record(
            uow,
            actor,
            "patient.unassign",
            patient_id=patient_id,
            object_type="Practitioner",
            object_id=clinician_id,
        )
        uow.commit()
    return removed
