-- the stack trace of a shard attempt that failed on a lane (at most 16 KB), shown with the error on the job's page;
-- and ended jobs by their end, for the throughput chart and retention
alter table shards add column error_trace text;
create index jobs_finished on jobs (finished_at) where finished_at is not null;

-- a worker an operator drains takes no new task (its lanes stay draining across re-claims) until resumed; and what
-- it last said of itself beyond its lanes: processor, memory, loaded models
alter table workers add column draining boolean not null default false;
alter table workers add column stats jsonb;
