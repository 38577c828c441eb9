"""Production refuses development secrets; tokens and API keys hold only what they should."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from edi.pki import DevelopmentPki
from kp_licensing.domain.errors import Unauthenticated
from kp_licensing.support import security
from kp_licensing.support.settings import Settings
from schemas.licence import LicencePolicy
from schemas.permit import CertificatePolicy, PermitPolicy

PG = "postgresql+psycopg://kp@db/kp"
STRONG = "5d0f3c9e8a7b61f24c3e9d8a0b7f6e51c2a4d9e8f7b6a5c3"  # as `openssl rand -hex 24` makes


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings here come from the test alone, not from the KP_* variables CI runs with."""
    for name in [n for n in os.environ if n.startswith("KP_")]:
        monkeypatch.delenv(name)


OWN_PAYLOAD_KEY = "k1:" + base64.b64encode(bytes(range(32))).decode()


def test_development_defaults_run() -> None:
    Settings().check_production()


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"database_url": PG}, "KP_JWT_SECRET"),
        ({"database_url": PG, "jwt_secret": "short"}, "KP_JWT_SECRET"),
        ({"database_url": PG, "jwt_secret": "x" * 40}, "a shorter string repeated"),
        ({"database_url": PG, "jwt_secret": "abcdefghi" * 4 + "abcd"}, "10 different"),
        ({"jwt_secret": STRONG}, "KP_DATABASE_URL"),
        ({"jwt_secret": STRONG, "database_url": PG}, "KP_AUDIT_KEY"),
        ({"jwt_secret": STRONG, "database_url": PG, "audit_key": "short"}, "KP_AUDIT_KEY"),
        ({"jwt_secret": STRONG, "database_url": PG}, "KP_PAYLOAD_KEYS"),
        ({"jwt_secret": STRONG, "database_url": "sqlite:///p.db"}, "KP_DATABASE_URL"),
        (
            {
                "jwt_secret": STRONG,
                "database_url": PG,
                "password_hash_memory_kib": 19 * 1023,
            },
            "KP_PASSWORD_HASH_MEMORY_KIB",
        ),
        (
            {"jwt_secret": STRONG, "database_url": PG, "password_hash_time_cost": 1},
            "KP_PASSWORD_HASH_TIME_COST",
        ),
    ],
)
def test_production_refuses_development_secrets_and_sqlite(
    changes: dict[str, str], complaint: str
) -> None:
    settings = Settings(environment="production", **changes)
    with pytest.raises(RuntimeError, match=complaint):
        settings.check_production()


def _production(tmp_path: Path, **changes: object) -> Settings:
    """Production settings with every secret and file of its own."""
    own = {
        "environment": "production",
        "jwt_secret": STRONG,
        "audit_key": STRONG[::-1],
        "payload_keys": OWN_PAYLOAD_KEY,
        "database_url": PG,
        "signing_key": tmp_path / "esigntrust.key",
        "signing_chain": tmp_path / "esigntrust.pem",
        "trust_store": tmp_path / "esigntrust-roots.pem",
        **changes,
    }
    return Settings(**own)  # type: ignore[arg-type]


def test_production_with_real_secrets_starts(tmp_path: Path) -> None:
    _production(tmp_path).check_production()


def test_production_refuses_the_development_pki(tmp_path: Path) -> None:
    pki = DevelopmentPki(tmp_path / "pki")
    pki.init()
    with pytest.raises(RuntimeError, match="KP_SIGNING_KEY"):
        _production(tmp_path, signing_key=None).check_production()
    with pytest.raises(RuntimeError, match="must not hold the development CA"):
        _production(tmp_path, trust_store=pki.ca).check_production()
    with pytest.raises(RuntimeError, match="must not hold the development CA"):
        _production(tmp_path, signing_chain=pki.chain("dsedt")).check_production()


def test_environment_variables_configure_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KP_INFO_REQUEST_DAYS", "14")
    monkeypatch.setenv("KP_RENEWAL_REMINDER_DAYS", "[90, 30, 7]")
    policy = Settings().licence_policy()
    assert (policy.info_request_days, policy.reminder_days) == (14, [90, 30, 7])


def test_passwords_are_argon2_and_verify() -> None:
    hashed = security.hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2")
    assert security.verify_password("correct horse battery staple", hashed)
    assert not security.verify_password("wrong", hashed)
    assert not security.verify_password("anything", None)


def test_tokens_expire_and_are_bound_to_the_secret() -> None:
    token, _ = security.issue_token(user_id=5, role="officer", secret="s" * 32, minutes=5)
    assert security.read_token(token, secret="s" * 32) == (5, 0)
    with pytest.raises(Unauthenticated) as invalid:
        security.read_token(token, secret="t" * 32)
    assert invalid.value.message.code == "auth.token_invalid"
    old, _ = security.issue_token(user_id=5, role="officer", secret="s" * 32, minutes=-1)
    with pytest.raises(Unauthenticated) as expired:
        security.read_token(old, secret="s" * 32)
    assert expired.value.message.code == "auth.token_expired"


def test_api_keys_are_stored_only_as_hashes() -> None:
    key, prefix, stored = security.new_api_key()
    assert key not in stored and len(stored) == 64
    assert security.api_key_prefix(key) == prefix
    assert security.api_key_matches(key, stored)
    assert not security.api_key_matches(key + "x", stored)
    assert security.api_key_prefix("not-a-key") is None


def test_policy_defaults_are_the_settings_alone() -> None:
    """A case's policy is fixed from the settings at submission; the models carry bounds, not
    a second set of defaults that could disagree (an optional part is absent, None, unless the
    settings give it: an export's certificate)."""
    for model in (LicencePolicy, PermitPolicy, CertificatePolicy):
        for name, field in model.model_fields.items():
            assert field.is_required() or field.default is None, (model, name)
    assert Settings().permit_policy().certificate is None
    export = Settings().permit_policy(certificate=True).certificate
    assert export is not None and export.fee_mop == Settings().kp_certificate_fee_mop
    settings = Settings()
    assert settings.licence_policy().validity_years == settings.licence_validity_years
    assert settings.permit_policy().validity_days == settings.permit_validity_days


@pytest.mark.parametrize(
    "changes",
    [
        {"licence_validity_years": 0},
        {"info_request_days": 400},
        {"permit_validity_days": 0},
        {"carat_tolerance": "-0.1"},
    ],
)
def test_a_policy_setting_out_of_bounds_is_refused_at_start(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Settings(**changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        ("k1", "item 1 is not id:base64key"),
        ("k1:" + base64.b64encode(b"short").decode(), "AES-256 needs 32"),
        ("k1:not base64!", "not base64"),
        (OWN_PAYLOAD_KEY + "," + OWN_PAYLOAD_KEY, "appears twice"),
    ],
)
def test_a_payload_keyring_that_cannot_work_is_refused_naming_why(keys: str, says: str) -> None:
    with pytest.raises(ValueError, match=says) as refused:
        Settings(payload_keys=keys)
    assert base64.b64encode(bytes(range(32))).decode() not in str(refused.value)


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old = "old:" + base64.b64encode(b"o" * 32).decode()
    ring = Settings(payload_keys=OWN_PAYLOAD_KEY + "," + old).keyring()
    assert ring.current == "k1" and set(ring.keys) == {"k1", "old"}
