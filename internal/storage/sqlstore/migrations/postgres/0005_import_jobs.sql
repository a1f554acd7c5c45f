CREATE TABLE import_jobs (
  seq     BIGSERIAL PRIMARY KEY,
  id      TEXT NOT NULL UNIQUE,
  pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  config  TEXT NOT NULL
);
CREATE INDEX import_jobs_pool ON import_jobs(pool_id, seq);
