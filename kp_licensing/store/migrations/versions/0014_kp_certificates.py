"""Macao's KP certificates: the signed document with its hash, lines and provenance

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:00:00
"""

import sqlalchemy as sa
from alembic import op

from kp_licensing.store.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kp_certificates",
        sa.Column("number", sa.String(40), primary_key=True),
        sa.Column("case_no", sa.String(32), nullable=False, index=True),
        sa.Column(
            "operator_id", sa.Integer(), sa.ForeignKey("operators.id"), nullable=False, index=True
        ),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("issued_at", UTCDateTime(), nullable=False, index=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("exporter", sa.String(200), nullable=False),
        sa.Column("importer", sa.String(200), nullable=False),
        sa.Column("importer_country", sa.String(2), nullable=False),
        sa.Column("origin", sa.String(3), nullable=False),
        sa.Column("destination_country", sa.String(2), nullable=False, index=True),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("carats", sa.Numeric(14, 3), nullable=False),
        sa.Column("value_usd", sa.Numeric(16, 2), nullable=False),
        sa.Column("validated_by", sa.String(200), nullable=False),
        sa.Column(
            "replaces", sa.String(40), sa.ForeignKey("kp_certificates.number"), nullable=True
        ),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("void_reason", sa.String(2000), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "kp_certificate_lines",
        sa.Column(
            "number", sa.String(40), sa.ForeignKey("kp_certificates.number"), primary_key=True
        ),
        sa.Column("line_no", sa.Integer(), primary_key=True),
        sa.Column("hs_code", sa.String(7), nullable=False, index=True),
        sa.Column("carats", sa.Numeric(14, 3), nullable=False),
        sa.Column("value_usd", sa.Numeric(16, 2), nullable=False),
        sa.Column("origin", sa.String(3), nullable=False, index=True),
    )
    op.create_table(
        "kp_certificate_provenance",
        sa.Column(
            "number", sa.String(40), sa.ForeignKey("kp_certificates.number"), primary_key=True
        ),
        sa.Column("country", sa.String(2), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("kp_certificate_provenance")
    op.drop_table("kp_certificate_lines")
    op.drop_table("kp_certificates")
