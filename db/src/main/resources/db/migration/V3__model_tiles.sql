-- Parameters stored as tiles of at most 512 x 512 values, so a model shard reads only the rows and columns of its
-- partition. A bias is a one-column matrix. (V4 moves the tensors of V1's model_tensors here.)
create table model_tiles (
    model_id  uuid    not null references models (id) on delete cascade,
    name      text    not null,
    row_start integer not null,
    col_start integer not null,
    rows      integer not null,
    cols      integer not null,
    data      bytea   not null,
    primary key (model_id, name, row_start, col_start)
);

-- The merged output of a model-parallel round for one data shard: the next round's input.
create table job_activations (
    job_id     uuid    not null references jobs (id) on delete cascade,
    step       integer not null,
    stage      integer not null,
    data_shard integer not null,
    data       bytea   not null,
    primary key (job_id, step, stage, data_shard)
);

alter table workers add column max_model_bytes bigint;
