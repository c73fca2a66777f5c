-- The caller's correlation id (a REST header or a job request's CloudEvent), carried on every lifecycle event.
alter table jobs add column correlation_id text;
