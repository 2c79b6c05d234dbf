// Package litellmdb holds the facts about LiteLLM's PostgreSQL tables that this
// project relies on: their names and the DDL that reproduces them for tests and
// for the fake proxy's PostgreSQL store.
//
// The definitions follow LiteLLM's Prisma schema (see docs/litellm-api.md):
// quoted, case-sensitive table names in the public schema, TEXT primary keys
// holding the sha256 hex of the raw key, TIMESTAMP(3) columns in UTC.
package litellmdb

// Table names, quoted exactly as LiteLLM's Prisma schema creates them.
const (
	// TokenTable stores one row per virtual key.
	TokenTable = `"LiteLLM_VerificationToken"`
	// DeletedTokenTable is the audit copy written before a key is deleted.
	DeletedTokenTable = `"LiteLLM_DeletedVerificationToken"`
	// JWTKeyMappingTable maps JWT identities to keys; its foreign key on token
	// blocks deletes in older LiteLLM releases (ON DELETE RESTRICT).
	JWTKeyMappingTable = `"LiteLLM_JWTKeyMapping"`
	// BudgetTable holds budgets linked from keys by budget_id; /key/generate
	// with soft_budget creates one row per key.
	BudgetTable = `"LiteLLM_BudgetTable"`
)

// Schema creates the three tables if they are absent. It is idempotent and
// safe to run concurrently with itself only when wrapped in an advisory lock
// (see SchemaLockID).
const Schema = `
CREATE TABLE IF NOT EXISTS "LiteLLM_VerificationToken" (
    token                   TEXT PRIMARY KEY,
    key_name                TEXT,
    key_alias               TEXT,
    soft_budget_cooldown    BOOLEAN NOT NULL DEFAULT false,
    spend                   DOUBLE PRECISION NOT NULL DEFAULT 0,
    expires                 TIMESTAMP(3),
    models                  TEXT[] NOT NULL DEFAULT '{}',
    aliases                 JSONB NOT NULL DEFAULT '{}',
    config                  JSONB NOT NULL DEFAULT '{}',
    user_id                 TEXT,
    team_id                 TEXT,
    permissions             JSONB NOT NULL DEFAULT '{}',
    max_parallel_requests   INTEGER,
    metadata                JSONB NOT NULL DEFAULT '{}',
    blocked                 BOOLEAN,
    tpm_limit               BIGINT,
    rpm_limit               BIGINT,
    max_budget              DOUBLE PRECISION,
    budget_duration         TEXT,
    budget_reset_at         TIMESTAMP(3),
    allowed_cache_controls  TEXT[] DEFAULT '{}',
    allowed_routes          TEXT[] DEFAULT '{}',
    model_spend             JSONB NOT NULL DEFAULT '{}',
    model_max_budget        JSONB NOT NULL DEFAULT '{}',
    budget_id               TEXT,
    organization_id         TEXT,
    created_at              TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,
    created_by              TEXT,
    updated_at              TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,
    updated_by              TEXT
);

CREATE TABLE IF NOT EXISTS "LiteLLM_DeletedVerificationToken" (
    id                      TEXT PRIMARY KEY,
    token                   TEXT NOT NULL,
    key_name                TEXT,
    key_alias               TEXT,
    soft_budget_cooldown    BOOLEAN NOT NULL DEFAULT false,
    spend                   DOUBLE PRECISION NOT NULL DEFAULT 0,
    expires                 TIMESTAMP(3),
    models                  TEXT[] NOT NULL DEFAULT '{}',
    aliases                 JSONB NOT NULL DEFAULT '{}',
    config                  JSONB NOT NULL DEFAULT '{}',
    user_id                 TEXT,
    team_id                 TEXT,
    permissions             JSONB NOT NULL DEFAULT '{}',
    max_parallel_requests   INTEGER,
    metadata                JSONB NOT NULL DEFAULT '{}',
    blocked                 BOOLEAN,
    tpm_limit               BIGINT,
    rpm_limit               BIGINT,
    max_budget              DOUBLE PRECISION,
    budget_duration         TEXT,
    budget_reset_at         TIMESTAMP(3),
    allowed_cache_controls  TEXT[] DEFAULT '{}',
    allowed_routes          TEXT[] DEFAULT '{}',
    model_spend             JSONB NOT NULL DEFAULT '{}',
    model_max_budget        JSONB NOT NULL DEFAULT '{}',
    budget_id               TEXT,
    organization_id         TEXT,
    created_at              TIMESTAMP(3),
    created_by              TEXT,
    updated_at              TIMESTAMP(3),
    updated_by              TEXT,
    deleted_at              TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    deleted_by              TEXT,
    deleted_by_api_key      TEXT,
    litellm_changed_by      TEXT
);

CREATE TABLE IF NOT EXISTS "LiteLLM_JWTKeyMapping" (
    id          TEXT PRIMARY KEY,
    jwt_claim_name  TEXT NOT NULL,
    jwt_claim_value TEXT NOT NULL,
    token       TEXT NOT NULL REFERENCES "LiteLLM_VerificationToken"(token) ON DELETE RESTRICT ON UPDATE CASCADE,
    created_at  TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS "LiteLLM_BudgetTable" (
    budget_id       TEXT PRIMARY KEY,
    max_budget      DOUBLE PRECISION,
    soft_budget     DOUBLE PRECISION,
    model_max_budget JSONB,
    created_at      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    created_by      TEXT NOT NULL,
    updated_at      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_by      TEXT NOT NULL
);
`

// SchemaLockID is the pg_advisory_lock key taken around Schema so that
// concurrent starters (tests in parallel, several fake servers) do not race
// on CREATE TABLE IF NOT EXISTS.
const SchemaLockID int64 = 0x4c69746511
