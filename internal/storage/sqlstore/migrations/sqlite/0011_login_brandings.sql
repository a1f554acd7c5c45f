-- Managed login branding: one style per app client (settings and assets,
-- the domain's JSON encoding).
CREATE TABLE login_brandings (
  id        TEXT PRIMARY KEY,
  pool_id   TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  config    TEXT NOT NULL,
  created   INTEGER NOT NULL,
  modified  INTEGER NOT NULL,
  UNIQUE (pool_id, client_id)
);
