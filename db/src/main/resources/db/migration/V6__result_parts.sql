-- A data-parallel inference's result is its shards' outputs in shard order: they stay where the workers stored
-- them and the result row names their round, instead of every byte being copied into one value.
alter table job_results alter column data drop not null;
alter table job_results add column parts_step integer;
alter table job_results add column parts_stage integer;
alter table job_results add constraint job_results_data_or_parts check ((data is null) <> (parts_step is null));
