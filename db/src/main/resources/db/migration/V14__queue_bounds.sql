-- An upper bound on each capped tenant's jobs not yet ended, kept under the tenant's queue lock by every submission:
-- a submission adds its jobs to it instead of counting the tenant's open jobs, and counts them exactly only when the
-- bound is older than a few seconds or would pass the cap. Jobs that end are not taken off, so it only overestimates.
create table tenant_queue_bounds (
    tenant     text primary key,
    open_jobs  bigint      not null,
    counted_at timestamptz not null
);
