-- the W3C traceparent a job was accepted in, and the one an outbox row was written in (the relay sends it as the
-- message's traceparent header): one job is one trace across the services and Kafka
alter table jobs add column trace_parent text;
alter table outbox add column trace_parent text;
