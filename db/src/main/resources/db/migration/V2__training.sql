-- Training: parameter versions, checkpoints, metric curves, and model lineage.

alter table jobs add column result_model_id uuid;
alter table jobs add column progress jsonb;   -- training: step, steps, epoch, epochs
alter table jobs add column metrics jsonb;    -- the latest loss, validationLoss, validationAccuracy

alter table models add column source_dataset_id uuid;
alter table models add column metrics jsonb;
alter table models add column preprocessing jsonb; -- feature standardisation learnt with the model

-- The parameters workers compute a round from: version N is the model after N optimiser steps.
create table job_parameters (
    job_id  uuid    not null references jobs (id) on delete cascade,
    version integer not null,
    data    bytea   not null,
    primary key (job_id, version)
);

-- Parameters and optimiser state every N steps: where a training job resumes after its scheduler died.
create table job_checkpoints (
    job_id     uuid        not null references jobs (id) on delete cascade,
    step       integer     not null,
    parameters bytea       not null,
    optimizer  bytea       not null,
    created_at timestamptz not null default now(),
    primary key (job_id, step)
);

-- One row per optimiser step (per synchronisation round for local SGD); validation at epoch ends.
create table job_metrics (
    job_id              uuid             not null references jobs (id) on delete cascade,
    step                integer          not null,
    epoch               integer          not null,
    loss                double precision,
    samples             bigint,
    validation_loss     double precision,
    validation_accuracy double precision,
    created_at          timestamptz      not null default now(),
    primary key (job_id, step)
);
