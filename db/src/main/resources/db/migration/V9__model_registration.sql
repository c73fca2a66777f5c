-- A model registered from a seed is written in many short transactions; until its last tile is in, it is not ready
-- and no reader sees it. One left unready by a process that died is deleted by the API after the registration
-- timeout (the tiles go with it).
alter table models add column ready boolean not null default true;
create index models_unready on models (created_at) where not ready;
