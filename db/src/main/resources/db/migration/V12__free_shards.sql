-- Shards that take no lane (generation), waiting: what an admission pass looks for when every lane is busy. Through
-- this index that look costs nothing however many lane-taking shards wait.
create index shards_pending_free on shards (queued_at) where status = 'PENDING' and not takes_lane;
