-- Shardflow schema. Tensors and dataset columns are stored as little-endian float32 bytes (see TensorCodec).

create table datasets (
    id          uuid primary key,
    tenant      text        not null,
    name        text        not null,
    format      text        not null,
    row_count   bigint      not null,
    columns     jsonb       not null,          -- column names in file order
    chunk_rows  integer     not null,          -- rows per chunk (the last one may hold fewer)
    created_at  timestamptz not null default now()
);
create index datasets_tenant_created on datasets (tenant, created_at desc);

-- Columnar chunks: a shard reads only the chunks of its row range and only the columns it uses.
create table dataset_chunks (
    dataset_id   uuid    not null references datasets (id) on delete cascade,
    column_index integer not null,
    chunk_index  integer not null,
    row_start    bigint  not null,
    row_count    integer not null,
    data         bytea   not null,
    primary key (dataset_id, column_index, chunk_index)
);

create table models (
    id              uuid primary key,
    tenant          text        not null,
    name            text        not null,
    architecture    jsonb       not null,
    parameter_bytes bigint      not null,
    source_job_id   uuid,
    created_at      timestamptz not null default now()
);
create index models_tenant_created on models (tenant, created_at desc);

-- One row per parameter tensor ("layers.0.weight"), so a partition can be read without the rest.
create table model_tensors (
    model_id uuid    not null references models (id) on delete cascade,
    name     text    not null,
    data     bytea   not null,
    primary key (model_id, name)
);

create table jobs (
    id              uuid primary key,
    tenant          text        not null,
    type            text        not null,
    status          text        not null,
    priority        integer     not null default 0,
    spec            jsonb       not null,
    plan            jsonb,
    idempotency_key text,
    shards_total    integer     not null default 0,
    shards_done     integer     not null default 0,
    error           text,
    version         bigint      not null default 0,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    started_at      timestamptz,
    finished_at     timestamptz
);
create unique index jobs_idempotency on jobs (tenant, idempotency_key) where idempotency_key is not null;
create index jobs_created on jobs (created_at desc, id);
create index jobs_status_created on jobs (status, created_at desc);
create index jobs_tenant_created on jobs (tenant, created_at desc);

create table shards (
    job_id        uuid        not null references jobs (id) on delete cascade,
    step          integer     not null,
    stage         integer     not null,
    shard_index   integer     not null,
    status        text        not null,
    row_start     bigint      not null,
    row_end       bigint      not null,
    attempt       integer     not null default 1,
    max_attempts  integer     not null,
    worker_id     text,
    lease_until   timestamptz,
    error         text,
    version       bigint      not null default 0,
    dispatched_at timestamptz,
    started_at    timestamptz,
    finished_at   timestamptz,
    primary key (job_id, step, stage, shard_index)
);
create index shards_leases on shards (lease_until) where status in ('DISPATCHED', 'RUNNING');

-- Partial results: an upsert keyed like the shard, so a redelivered task cannot add a second one.
create table partials (
    job_id      uuid        not null references jobs (id) on delete cascade,
    step        integer     not null,
    stage       integer     not null,
    shard_index integer     not null,
    attempt     integer     not null,
    data        bytea       not null,
    created_at  timestamptz not null default now(),
    primary key (job_id, step, stage, shard_index)
);

create table job_results (
    job_id     uuid primary key references jobs (id) on delete cascade,
    data       bytea       not null,
    created_at timestamptz not null default now()
);

create table job_events (
    id         bigserial primary key,
    job_id     uuid        not null references jobs (id) on delete cascade,
    type       text        not null,
    detail     text,
    created_at timestamptz not null default now()
);
create index job_events_job on job_events (job_id, id);

-- Transactional outbox: rows written with the state change that caused them, published by the relay, then deleted.
create table outbox (
    id          bigserial primary key,
    topic       text        not null,
    partition   integer,                       -- null: the producer picks by key
    message_key text        not null,
    payload     bytea       not null,
    created_at  timestamptz not null default now()
);

create table workers (
    id           text primary key,
    host         text        not null,
    lanes        integer     not null,
    lanes_busy   integer     not null default 0,
    devices      jsonb       not null,
    tasks_done   bigint      not null default 0,
    started_at   timestamptz not null default now(),
    heartbeat_at timestamptz not null default now()
);
