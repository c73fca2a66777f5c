-- An admission pass reads only the head of each tenant's queue of waiting shards, through an index in the queue's
-- own order; for that a shard carries its job's tenant and priority, kept by triggers as the job's change.
alter table shards add column tenant text, add column priority integer;

update shards s set tenant = j.tenant, priority = j.priority from jobs j where j.id = s.job_id;

create function shards_take_their_job() returns trigger language plpgsql as $$
begin
    select j.tenant, j.priority into new.tenant, new.priority from jobs j where j.id = new.job_id;
    return new;
end $$;

create trigger shards_take_their_job before insert on shards
    for each row execute function shards_take_their_job();

create function jobs_give_priority_to_shards() returns trigger language plpgsql as $$
begin
    update shards set priority = new.priority where job_id = new.id;
    return null;
end $$;

create trigger jobs_give_priority_to_shards after update of priority on jobs
    for each row when (old.priority is distinct from new.priority) execute function jobs_give_priority_to_shards();

-- each tenant's waiting shards in the order admission takes them
create index shards_waiting on shards (tenant, takes_lane, priority desc, queued_at, job_id, step, stage, shard_index)
    where status = 'PENDING';

-- since when each tenant has had unfinished jobs (fair share's window starts at the newest arrival)
create index jobs_unfinished_since on jobs (tenant, created_at)
    where status in ('QUEUED', 'PLANNING', 'RUNNING', 'AGGREGATING');
