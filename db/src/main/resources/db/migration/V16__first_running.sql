-- when a job's first shard began to run: how long it waited in the queue (submission to a lane), for the meters
-- and the dashboard; set once, by the worker that started it
alter table jobs add column first_running_at timestamptz;
