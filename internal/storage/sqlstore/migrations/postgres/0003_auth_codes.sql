CREATE TABLE auth_codes (
  hash    TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  payload BYTEA NOT NULL,
  expires BIGINT NOT NULL
);
