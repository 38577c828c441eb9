#!/bin/bash
# Runs once, when the postgres:16 container initialises an empty data volume (compose.yaml
# mounts this folder on /docker-entrypoint-initdb.d). Changing it later has no effect on an
# existing volume: alter roles by hand then.
#
# Why two roles instead of the superuser for everything: the service can then reach only its own
# database, and a leaked KP_DATABASE_URL cannot read or drop Temporal's history (or the reverse).
#   kp_licensing     owns the service's database; `kp-licensing db upgrade` creates the tables.
#   temporal_server  may create databases, because temporalio/auto-setup creates and migrates
#                    its own two (temporal, temporal_visibility). Its name differs from those on
#                    purpose: auto-setup skips creating a database named like its user.
set -euo pipefail

: "${KP_DB_PASSWORD:?KP_DB_PASSWORD must be set (see .env.production.example)}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set (see .env.production.example)}"

# Passwords go in as psql variables and are quoted by psql (:'name'), so no character in them
# can break out of the SQL string.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v kp_password="$KP_DB_PASSWORD" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE kp_licensing LOGIN PASSWORD :'kp_password';
CREATE DATABASE kp_licensing OWNER kp_licensing;
-- Nobody but the owner connects to the service's data.
REVOKE ALL ON DATABASE kp_licensing FROM PUBLIC;

CREATE ROLE temporal_server LOGIN CREATEDB PASSWORD :'temporal_password';
SQL
