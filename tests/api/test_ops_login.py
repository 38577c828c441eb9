"""A login with a password hashed under other (older, costlier) Argon2 parameters succeeds and
re-hashes it with the service's, so memory per login falls as users come back."""

from __future__ import annotations

import uuid

from argon2 import PasswordHasher

from kp_licensing.store import people
from kp_licensing.store.db import SessionFactory
from kp_licensing.support import security
from kp_licensing.support.settings import Settings
from schemas.common import Role
from tests.api.client import Api


def test_login_rehashes_a_legacy_hash(service: str, sessions: SessionFactory) -> None:
    username, password = f"legacy-{uuid.uuid4().hex[:6]}", "correct horse battery staple"
    with sessions() as session:
        user = people.create_user(
            session, username=username, full_name="Old Timer", role=Role.officer, password=None
        )
        user.password_hash = PasswordHasher().hash(password)  # the library default: 64 MiB
        session.add(user)
        session.commit()

    Api.login(service, username, password)
    with sessions() as session:
        stored = people.find_user(session, username)
        assert stored is not None and stored.password_hash is not None
        cost = security.parameters_of(Settings())  # the suite's (the service runs with it)
        prefix = f"$argon2id$v=19$m={cost.memory_cost},t={cost.time_cost},p=1$"
        assert stored.password_hash.startswith(prefix)
    Api.login(service, username, password)  # and the new hash verifies
