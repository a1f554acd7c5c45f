CREATE TABLE refresh_tokens (
  id        TEXT PRIMARY KEY,
  pool_id   TEXT NOT NULL,
  client_id TEXT NOT NULL,
  user_sub  TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  created   BIGINT NOT NULL,
  expires   BIGINT NOT NULL,
  revoked   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_user ON refresh_tokens(pool_id, user_sub);

CREATE TABLE user_groups (
  seq         BIGSERIAL PRIMARY KEY,
  pool_id     TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  description TEXT NOT NULL,
  role_arn    TEXT NOT NULL,
  precedence  BIGINT,
  created     BIGINT NOT NULL,
  modified    BIGINT NOT NULL,
  UNIQUE (pool_id, name)
);

CREATE TABLE group_members (
  pool_id    TEXT NOT NULL,
  group_name TEXT NOT NULL,
  user_sub   TEXT NOT NULL,
  PRIMARY KEY (pool_id, group_name, user_sub),
  FOREIGN KEY (pool_id, group_name) REFERENCES user_groups(pool_id, name) ON DELETE CASCADE,
  FOREIGN KEY (pool_id, user_sub) REFERENCES users(pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX group_members_user ON group_members(pool_id, user_sub);
