-- A tenant's jobs not yet ended, counted at each submission against its maxQueuedJobs: through this index the count
-- reads only the tenant's open jobs, never its history.
create index jobs_unfinished on jobs (tenant) where status in ('QUEUED', 'PLANNING', 'RUNNING', 'AGGREGATING');
-- Shards that ended lately, for each tenant's share of lane-time over the last hour on the dashboard.
create index shards_finished on shards (finished_at) where finished_at is not null;
