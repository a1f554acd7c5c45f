CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value BYTEA NOT NULL
);

CREATE TABLE user_pools (
  seq      BIGSERIAL PRIMARY KEY,
  id       TEXT NOT NULL UNIQUE,
  region   TEXT NOT NULL,
  name     TEXT NOT NULL,
  config   TEXT NOT NULL,
  created  BIGINT NOT NULL,
  modified BIGINT NOT NULL
);
CREATE INDEX user_pools_region ON user_pools(region, seq);

CREATE TABLE users (
  seq             BIGSERIAL PRIMARY KEY,
  pool_id         TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  sub             TEXT NOT NULL,
  username        TEXT NOT NULL,
  username_key    TEXT COLLATE "C" NOT NULL,
  status          TEXT NOT NULL,
  enabled         BIGINT NOT NULL,
  attributes      TEXT NOT NULL,
  password        BYTEA,
  extra           BYTEA,
  alias_email     TEXT COLLATE "C",
  alias_phone     TEXT COLLATE "C",
  alias_preferred TEXT COLLATE "C",
  f_email              TEXT COLLATE "C",
  f_phone_number       TEXT COLLATE "C",
  f_name               TEXT COLLATE "C",
  f_given_name         TEXT COLLATE "C",
  f_family_name        TEXT COLLATE "C",
  f_preferred_username TEXT COLLATE "C",
  f_user_status        TEXT COLLATE "C",
  f_status             TEXT COLLATE "C",
  created         BIGINT NOT NULL,
  modified        BIGINT NOT NULL,
  UNIQUE (pool_id, username_key),
  UNIQUE (pool_id, sub),
  UNIQUE (pool_id, alias_email),
  UNIQUE (pool_id, alias_phone),
  UNIQUE (pool_id, alias_preferred)
);
CREATE INDEX users_pool_seq ON users(pool_id, seq);
CREATE INDEX users_f_email ON users(pool_id, f_email, seq);
CREATE INDEX users_f_phone_number ON users(pool_id, f_phone_number, seq);
CREATE INDEX users_f_name ON users(pool_id, f_name, seq);
CREATE INDEX users_f_given_name ON users(pool_id, f_given_name, seq);
CREATE INDEX users_f_family_name ON users(pool_id, f_family_name, seq);
CREATE INDEX users_f_preferred_username ON users(pool_id, f_preferred_username, seq);
CREATE INDEX users_f_user_status ON users(pool_id, f_user_status, seq);

CREATE TABLE identities (
  seq           BIGSERIAL PRIMARY KEY,
  pool_id       TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  provider_type TEXT NOT NULL,
  attr_name     TEXT NOT NULL,
  attr_value    TEXT NOT NULL,
  user_sub      TEXT NOT NULL,
  is_primary    BIGINT NOT NULL,
  issuer        TEXT,
  created       BIGINT NOT NULL,
  UNIQUE (pool_id, provider_name, attr_name, attr_value),
  FOREIGN KEY (pool_id, user_sub) REFERENCES users(pool_id, sub) ON DELETE CASCADE
);
CREATE INDEX identities_user ON identities(pool_id, user_sub, seq);

CREATE TABLE identity_providers (
  seq         BIGSERIAL PRIMARY KEY,
  pool_id     TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  type        TEXT NOT NULL,
  details     TEXT NOT NULL,
  mapping     TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  created     BIGINT NOT NULL,
  modified    BIGINT NOT NULL,
  UNIQUE (pool_id, name)
);

CREATE TABLE idp_identifiers (
  pool_id       TEXT NOT NULL,
  identifier    TEXT NOT NULL,
  provider_name TEXT NOT NULL,
  PRIMARY KEY (pool_id, identifier),
  FOREIGN KEY (pool_id, provider_name) REFERENCES identity_providers(pool_id, name) ON DELETE CASCADE
);

CREATE TABLE user_pool_clients (
  seq      BIGSERIAL PRIMARY KEY,
  id       TEXT NOT NULL UNIQUE,
  pool_id  TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  name     TEXT NOT NULL,
  config   TEXT NOT NULL,
  created  BIGINT NOT NULL,
  modified BIGINT NOT NULL
);
CREATE INDEX user_pool_clients_pool ON user_pool_clients(pool_id, seq);
