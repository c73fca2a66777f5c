-- Admission: shards wait as PENDING rows until the scheduler gives each one to an idle lane that can hold it; lanes
-- pull the tasks addressed to them from their own partition of shardflow.shard-tasks.

-- A worker's compute lane, holding one partition ("slot") of the task topic while its worker keeps it leased. A lane
-- takes tasks only once ready (it has found the end of its partition, so none addressed to it can be skipped).
create table lanes (
    slot            integer primary key,
    worker_id       text        not null,
    lane_index      integer     not null,
    device          text        not null,
    max_model_bytes bigint,                    -- null: partitions of any size
    ready           boolean     not null default false,
    draining        boolean     not null default false,
    lease_until     timestamptz not null,      -- live until then; the worker's heartbeat extends it
    claimed_at      timestamptz not null
);
create index lanes_worker on lanes (worker_id);

-- What admission reads of a shard: since when it waits, the lane it was given, the parameter bytes a lane must be
-- able to hold to run it, and whether it occupies a lane (a generation task joins its worker's batch instead).
alter table shards add column queued_at timestamptz;
alter table shards add column lane_slot integer;
alter table shards add column need_bytes bigint not null default 0;
alter table shards add column takes_lane boolean not null default true;
update shards set queued_at = coalesce(dispatched_at, now()) where status in ('PENDING', 'DISPATCHED');
-- tasks dispatched before lanes had slots reached no lane: they wait for admission again
update shards set status = 'PENDING', lease_until = null, version = version + 1 where status = 'DISPATCHED';
create index shards_pending on shards (queued_at) where status = 'PENDING';
create index shards_on_lanes on shards (lane_slot) where status in ('DISPATCHED', 'RUNNING');
create index shards_on_workers on shards (worker_id) where status in ('DISPATCHED', 'RUNNING');

-- A tenant's quota; a tenant without a row has the configured defaults. Null: no cap.
create table tenant_quotas (
    tenant             text primary key,
    max_running_shards integer,
    max_queued_jobs    integer,
    weight             double precision not null default 1 check (weight > 0),
    max_storage_bytes  bigint,
    updated_at         timestamptz not null default now()
);
