"""All configuration in one place, read from ``KP_*`` environment variables or a ``.env`` file.

The defaults run the whole service on one machine (SQLite, the embedded Temporal dev server,
files under ``var/``). Production must set its own secrets: :meth:`Settings.check_production`
refuses to start otherwise, because a service signing licences with a secret that is printed in
this file would let anyone mint officer tokens.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography import x509
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kp_licensing.domain.passwords import PasswordPolicy, secret_problem
from kp_licensing.support.payloads import Keyring
from schemas.case import DaysToAnswer
from schemas.licence import LicencePolicy, ValidityYears
from schemas.permit import CaratTolerance, CertificatePolicy, PermitPolicy, ValidityDays

#: OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB (in KiB), t=2, p=1.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2

#: Marks every development default secret, so production mode can recognise and refuse them.
DEV_SECRET_MARK = "dev-only-"
#: Macao customs' code on the EDI network (unconfirmed): the default of ``KP_CUSTOMS_OFFICE``,
#: and the code the development PKI's customs certificate carries.
CUSTOMS_OFFICE = "MOCUSTOMS"
#: The development CA's name (``edi.pki``), which production refuses to trust.
DEV_CA_NAME = "kp-licensing development CA (not for production)"


class Settings(BaseSettings):
    """Service settings. Every field can be overridden with ``KP_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="KP_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"

    # Storage.
    data_dir: Path = Path("var")
    database_url: str = ""  # empty means SQLite under data_dir
    # Connections each process keeps; the API also runs synchronous handlers on this many
    # threads, so they never wait on the pool (kp_licensing.store.db.make_engine).
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_pool_timeout: float = Field(default=10.0, gt=0)

    # Temporal.
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    #: TLS to Temporal: on with any of the files below, or alone (then the system's roots).
    temporal_tls: bool = False
    #: The CA that signed Temporal's certificate (PEM), if not a public one.
    temporal_tls_ca: Path | None = None
    #: This service's client certificate and key (PEM), for mutual TLS.
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    #: The name Temporal's certificate is checked against, if not the address's host.
    temporal_tls_server_name: str | None = None
    #: An API key for Temporal (Temporal Cloud, or a server with an authorizer), sent as a bearer.
    temporal_api_key: str | None = None
    #: The keys that encrypt workflow payloads (``support/payloads.py``): ``id:base64key`` items,
    #: comma-separated, the first one encrypting; every one decrypting. 32-byte keys.
    payload_keys: str = DEV_SECRET_MARK + "1:NbRXbQGsh0nvtqVoZ3bT9zouWAL4iQUemzeJjykgCBc="
    #: Accept payloads that were never encrypted: on only while workflows started before
    #: encryption are still running; off, such a payload is refused as forged.
    payload_accept_plaintext: bool = False
    #: Origins of Temporal web UIs allowed to call the codec endpoint from the browser.
    codec_cors_origins: list[str] = Field(default_factory=list)
    task_queue: str = "kp-licensing"
    temporal_ui_port: int = 8233
    #: How long a request waits on a workflow (to open a case, to record a change) before it
    #: answers 503 with the case and a Retry-After; the change itself is not lost.
    workflow_wait_seconds: float = Field(default=20, gt=0, le=120)
    #: How long a submission may stay without its workflow before the sweep starts it.
    submission_sweep_seconds: float = Field(default=30, gt=0, le=3600)

    # HTTP API.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    #: Addresses of the proxies whose ``X-Forwarded-For`` names the real client (comma-separated,
    #: ``*`` for any): sign-in throttling counts by client address, which a proxy would hide.
    trusted_proxies: str = "127.0.0.1"

    # Passwords hashed or verified at once per process: each Argon2 run takes its memory cost
    # (19 MiB, kp_licensing.support.security), so this bounds what a burst of logins can take.
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # The Argon2id cost of each password hash: OWASP's recommended m=19 MiB, t=2, p=1 by
    # default, and never less in production (check_production). The test suite lowers it: a
    # hash at this cost is about 25 ms of CPU, and the suite registers hundreds of users.
    password_hash_memory_kib: int = Field(default=OWASP_MEMORY_KIB, ge=64, le=1024 * 1024)
    password_hash_time_cost: int = Field(default=OWASP_TIME_COST, ge=1, le=10)

    # Secrets.
    jwt_secret: str = DEV_SECRET_MARK + "jwt-secret-change-me-in-production-0000"
    #: Seals the audit trail's entries (HMAC): without it, a rewritten trail cannot be sealed
    #: again. Changing it makes every earlier entry fail ``kp-licensing audit verify``.
    audit_key: str = DEV_SECRET_MARK + "audit-key-change-me-in-production-0000"
    token_minutes: int = 30
    #: The portal's sessions: ended after this long without a request, and after the second
    #: limit whatever their use (a person signs in again).
    portal_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    portal_session_hours: int = Field(default=12, ge=1, le=7 * 24)
    #: How long a customs system's API key works before it must be replaced.
    api_key_days: int = Field(default=365, ge=1, le=3650)
    password_min_length: int = Field(default=12, ge=12, le=128)

    # Signatures (edi.md section 4). Unset, the development PKI under the data folder
    # (``kp-licensing pki init``); production must name its own (eSignTrust's) files.
    #: DSEDT's signing key (PEM) and its certificate chain (PEM, its own certificate first).
    signing_key: Path | None = None
    signing_chain: Path | None = None
    #: The CA certificates (PEM) a signature from outside must chain to; never the system's.
    trust_store: Path | None = None

    #: Where people reach the service (the QR codes on printed documents link there); empty:
    #: this machine's API address (``service_url``).
    public_url: str = ""

    # Customs (edi.md sections 3 and 5). Macao's EDI network codes are unconfirmed.
    #: DSEDT's code as the sender of declarations, and the customs office that clears
    #: shipments: the recipient of declarations, and the only sender whose responses are taken
    #: (its signing certificate names the code as the subject's serialNumber).
    edi_sender: str = Field(default="DSEDT", pattern=r"^[0-9A-Z]{1,35}$")
    customs_office: str = Field(default=CUSTOMS_OFFICE, pattern=r"^[0-9A-Z]{1,35}$")
    #: Push: where declarations are POSTed as well as offered for pulling (empty: pull only),
    #: the bearer token sent with them, and in which rendering.
    customs_push_url: str = ""
    customs_push_token: str = ""
    customs_push_format: Literal["xml", "edifact"] = "xml"

    # KP certificates. Macao's prefix (MO or CN) is unconfirmed (domain.md rule 5).
    kp_certificate_prefix: str = Field(default="MO", pattern=r"^[A-Z]{2}$")
    #: Days a certificate is valid after its issue: at most 60.
    kp_certificate_validity_days: int = Field(default=60, ge=1, le=60)
    #: The fee per certificate, invoiced with the application and paid before issue (MOP;
    #: Despacho 142/2019).
    kp_certificate_fee_mop: Decimal = Field(
        default=Decimal("70.00"), gt=0, max_digits=12, decimal_places=2
    )
    #: Working days to issue a certificate from a complete file (the service standard).
    kp_certificate_service_days: int = Field(default=10, ge=1, le=100)
    #: Four-eyes: the officer who checked the file (approved the export) does not validate the
    #: certificate.
    kp_certificate_four_eyes: bool = True
    #: Days after departure without the destination's confirmation before the trader is
    #: reminded, and days after the reminder before an officer is asked to chase it.
    kp_confirmation_reminder_days: int = Field(default=30, ge=1, le=365)
    kp_confirmation_escalation_days: int = Field(default=30, ge=1, le=365)

    # Documents.
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_allowed_types: list[str] = Field(
        default_factory=lambda: ["application/pdf", "image/png", "image/jpeg"]
    )
    #: What one operator's documents may hold in all (an application needs about ten).
    upload_quota_files: int = Field(default=500, ge=1)
    upload_quota_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)
    #: Uploads one operator may make in any minute; more wait (429 with Retry-After).
    upload_per_minute: int = Field(default=60, ge=1)
    #: An upload no case was given within this many days is deleted by the housekeeping.
    documents_unused_days: int = Field(default=30, ge=1, le=3650)
    #: How often the housekeeping schedule runs.
    housekeeping_every_hours: float = Field(default=24, gt=0, le=24 * 7)

    # E-mail: what the service tells people (its notices) is also mailed to them, from an
    # outbox drained by a retried activity (``workflows.mail``). Without an SMTP host, each
    # mail is written as an ``.eml`` file under ``<data_dir>/mail`` for a person to open.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    #: STARTTLS before signing in (port 587); off only for a relay on a trusted network.
    smtp_starttls: bool = True
    mail_from: str = Field(default="kp-licensing@dsedt.gov.mo", max_length=200)
    #: How often the outbox is drained (a mail server that is down delays mail, then).
    mail_every_seconds: float = Field(default=30, ge=1, le=3600)

    # Operating-licence policy (domain.md 2.1: document list and lead times are unconfirmed, so
    # they are settings, with the defaults the domain notes call reasonable).
    licence_required_documents: list[str] = Field(
        default_factory=lambda: [
            "business_registration",
            "tax_start_of_activity",
            "administrator_identity",
            "criminal_record",
            "establishment_proof",
        ]
    )
    licence_validity_years: ValidityYears = 2
    info_request_days: DaysToAnswer = 30
    renewal_reminder_days: list[int] = Field(default_factory=lambda: [60, 30])
    suspension_reason_codes: list[str] = Field(
        default_factory=lambda: [
            "order_of_trade",
            "criminal_conviction",
            "tax_debt",
            "insolvency",
            "establishment_lost",
            "false_declaration",
            "other",
        ]
    )

    # Shipment-licence policy (domain.md 2.1 and 3). The value bands are US$ per carat by HS
    # code, outside which a line is flagged for an officer (never refused): unconfirmed
    # reference figures, to be set by DSEDT.
    permit_validity_days: ValidityDays = 30
    permit_required_documents: list[str] = Field(
        default_factory=lambda: ["commercial_invoice", "transport_document"]
    )
    permit_value_bands: dict[str, tuple[Decimal, Decimal]] = Field(
        default_factory=lambda: {
            "7102.10": (Decimal(5), Decimal(2000)),
            "7102.21": (Decimal(1), Decimal(150)),
            "7102.31": (Decimal(20), Decimal(25000)),
        }
    )
    carat_tolerance: CaratTolerance = Decimal(0)
    # Import confirmations not sent within this many working days (Monday to Friday, less the
    # public holidays listed) of the clearance are flagged overdue.
    confirmation_due_working_days: int = Field(default=5, ge=1, le=60)
    public_holidays: list[date] = Field(default_factory=list)

    @field_validator("payload_keys")
    @classmethod
    def _keyring_parses(cls, value: str) -> str:
        Keyring.parse(value)
        return value

    @model_validator(mode="after")
    def _client_certificate_whole(self) -> Settings:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError("KP_TEMPORAL_TLS_CERT and KP_TEMPORAL_TLS_KEY go together")
        return self

    @property
    def pki_dir(self) -> Path:
        """Where ``kp-licensing pki init`` puts the development PKI."""
        return self.data_dir / "pki"

    def signing_files(self) -> tuple[Path, Path]:
        """DSEDT's key and chain: the settings', or the development PKI's."""
        return (
            self.signing_key or self.pki_dir / "dsedt.key",
            self.signing_chain or self.pki_dir / "dsedt.pem",
        )

    def trust_store_file(self) -> Path:
        return self.trust_store or self.pki_dir / "ca.pem"

    def keyring(self) -> Keyring:
        return Keyring.parse(self.payload_keys)

    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(min_length=self.password_min_length)

    def permit_policy(self, *, certificate: bool = False) -> PermitPolicy:
        """The rules of a new shipment case; an export's (``certificate``) include its KP
        certificate's."""
        return PermitPolicy(
            validity_days=self.permit_validity_days,
            info_request_days=self.info_request_days,
            carat_tolerance=self.carat_tolerance,
            certificate=self.certificate_policy() if certificate else None,
        )

    def certificate_policy(self) -> CertificatePolicy:
        return CertificatePolicy(
            fee_mop=self.kp_certificate_fee_mop,
            prefix=self.kp_certificate_prefix,
            validity_days=self.kp_certificate_validity_days,
            service_days=self.kp_certificate_service_days,
            public_holidays=self.public_holidays,
            four_eyes=self.kp_certificate_four_eyes,
            confirmation_reminder_days=self.kp_confirmation_reminder_days,
            confirmation_escalation_days=self.kp_confirmation_escalation_days,
        )

    def licence_policy(self) -> LicencePolicy:
        """The rules a new operating-licence case runs under (fixed at submission)."""
        return LicencePolicy(
            validity_years=self.licence_validity_years,
            info_request_days=self.info_request_days,
            reminder_days=self.renewal_reminder_days,
            suspension_reason_codes=self.suspension_reason_codes,
        )

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kp-licensing.db').resolve()}"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def mail_dir(self) -> Path:
        """Where mails go as ``.eml`` files when no SMTP host is set (development)."""
        return self.data_dir / "mail"

    def check_production(self) -> None:
        """Refuse to run in production with a development secret, an embedded database or a
        password hash cheaper than OWASP recommends."""
        if self.environment != "production":
            return
        problems = []
        for variable, secret in (
            ("KP_JWT_SECRET", self.jwt_secret),
            ("KP_AUDIT_KEY", self.audit_key),
        ):
            weak = secret_problem(secret)
            if DEV_SECRET_MARK in secret or weak is not None:
                problems.append(
                    f"{variable} must be set to a random value of at least 32 characters "
                    f"(e.g. `openssl rand -hex 32`){f'; this one is {weak}' if weak else ''}"
                )
        if any(key_id.startswith(DEV_SECRET_MARK) for key_id in self.keyring().keys):
            problems.append(
                "KP_PAYLOAD_KEYS must hold keys of your own (id:base64 of 32 random bytes, e.g. "
                "`echo k1:$(openssl rand -base64 32)`), not the development key"
            )
        if self.signing_key is None or self.signing_chain is None or self.trust_store is None:
            problems.append(
                "KP_SIGNING_KEY, KP_SIGNING_CHAIN and KP_TRUST_STORE must name DSEDT's signing "
                "key and chain and the trusted CAs (the development PKI is refused)"
            )
        elif _names_the_development_ca(self.trust_store) or _names_the_development_ca(
            self.signing_chain
        ):
            problems.append("KP_TRUST_STORE and KP_SIGNING_CHAIN must not hold the development CA")
        if not self.database_url or self.database_url.startswith("sqlite"):
            problems.append("KP_DATABASE_URL must point at PostgreSQL in production")
        if (
            self.password_hash_memory_kib < OWASP_MEMORY_KIB
            or self.password_hash_time_cost < OWASP_TIME_COST
        ):
            problems.append(
                "KP_PASSWORD_HASH_MEMORY_KIB and KP_PASSWORD_HASH_TIME_COST must be at least "
                f"OWASP's {OWASP_MEMORY_KIB} and {OWASP_TIME_COST} in production"
            )
        if problems:
            raise RuntimeError("refusing to start in production mode: " + "; ".join(problems))


def _names_the_development_ca(pem: Path) -> bool:
    """Whether a PEM file holds a certificate issued by or to the development CA (an unreadable
    file is left to the code that reads it, which says so)."""
    try:
        certificates = x509.load_pem_x509_certificates(pem.read_bytes())
    except (OSError, ValueError):
        return False
    return any(
        DEV_CA_NAME in certificate.subject.rfc4514_string()
        or DEV_CA_NAME in certificate.issuer.rfc4514_string()
        for certificate in certificates
    )


def public_url(settings: Settings) -> str:
    """Where people reach the service: the setting, or this machine's address."""
    return settings.public_url or service_url(settings)


def service_url(settings: Settings) -> str:
    """Where a client on this machine reaches the API (a wildcard bind is reached on loopback)."""
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::", "") else settings.api_host
    return f"http://{host}:{settings.api_port}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own :class:`Settings` instead)."""
    return Settings()
