-- Who may call the platform: API keys (only a hash of the secret is kept) and what they did.
create table api_keys (
    id           uuid primary key,
    name         text        not null,
    tenant       text        not null,
    roles        text[]      not null,
    -- SHA-256 of the key: keys are 256 random bits, so a fast hash is enough and keeps lookups to one index probe
    key_hash     bytea       not null unique,
    created_at   timestamptz not null,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

create table audit_log (
    id         bigserial primary key,
    at         timestamptz not null,
    actor_id   text        not null,
    actor_name text        not null,
    action     text        not null,
    tenant     text,
    target     text,
    detail     text
);
create index audit_log_at on audit_log (at desc, id desc);

-- Kafka intake: which CloudEvent sources (by prefix) submit jobs for which tenant.
create table intake_bindings (
    id         uuid primary key,
    source     text        not null unique,
    tenant     text        not null,
    created_at timestamptz not null
);
