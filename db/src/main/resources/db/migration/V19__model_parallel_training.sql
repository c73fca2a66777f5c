-- Model-parallel training keeps its parameters as pieces (slices of named parameters), each with its own optimiser
-- state, so the lane that updates a model shard reads only that shard's pieces. Version N: after N optimiser steps.
create table job_parameter_pieces (
    job_id    uuid    not null references jobs (id) on delete cascade,
    version   integer not null,
    piece     text    not null,
    data      bytea   not null,
    optimizer bytea   not null,
    primary key (job_id, version, piece)
);

-- The pieces of every N-th version: where a job resumes when a version it needs is gone.
create table job_checkpoint_pieces (
    job_id     uuid        not null references jobs (id) on delete cascade,
    step       integer     not null,
    piece      text        not null,
    data       bytea       not null,
    optimizer  bytea       not null,
    created_at timestamptz not null default now(),
    primary key (job_id, step, piece)
);

-- The gradient of each piece a backward task read, for the update of the step: one row per task and piece.
create table job_gradients (
    job_id      uuid    not null references jobs (id) on delete cascade,
    step        integer not null,
    stage       integer not null,
    shard_index integer not null,
    piece       text    not null,
    data        bytea   not null,
    primary key (job_id, step, piece, stage, shard_index)
);
