CREATE TABLE resource_servers (
  seq        BIGSERIAL PRIMARY KEY,
  pool_id    TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  identifier TEXT NOT NULL,
  name       TEXT NOT NULL,
  scopes     TEXT NOT NULL,
  UNIQUE (pool_id, identifier)
);

CREATE TABLE domains (
  domain  TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  config  TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE INDEX domains_pool ON domains(pool_id);
