-- Why a shard's last attempt did not end DONE (ShardFailure: COMPUTE, LEASE_EXPIRED, JOB_ENDED); error says how.
alter table shards add column failure text;
update shards set failure = case when error like 'job %' then 'JOB_ENDED' else 'COMPUTE' end
    where status = 'FAILED';

-- A training job's optimiser state beside the parameters of the same version, so that any scheduler process can
-- take the job's next round from its rows. Null for versions written before this column (resumed from checkpoint).
alter table job_parameters add column optimizer bytea;
