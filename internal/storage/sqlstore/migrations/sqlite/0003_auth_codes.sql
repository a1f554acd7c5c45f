CREATE TABLE auth_codes (
  hash    TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  expires INTEGER NOT NULL
);
