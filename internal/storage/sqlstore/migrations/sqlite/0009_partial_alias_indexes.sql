-- cognitod: foreign_keys off
-- Alias uniqueness (email, phone number, preferred username as sign-in
-- aliases) is checked only among the users that have the alias: most have
-- none, and the table-level UNIQUE constraints gave every user three index
-- entries for NULLs (a tenth of a million-user database, and three index
-- inserts per user created). SQLite cannot drop a table constraint, so the
-- table is rebuilt, with foreign keys off while it is (identities refer to
-- users; the runner checks them before it commits).
CREATE TABLE users_rebuilt (
  seq             INTEGER PRIMARY KEY,
  pool_id         TEXT NOT NULL REFERENCES user_pools(id) ON DELETE CASCADE,
  sub             TEXT NOT NULL,
  username        TEXT NOT NULL,
  username_key    TEXT NOT NULL,
  status          TEXT NOT NULL,
  enabled         INTEGER NOT NULL,
  attributes      TEXT NOT NULL,
  password        BLOB,
  extra           BLOB,
  alias_email     TEXT,
  alias_phone     TEXT,
  alias_preferred TEXT,
  f_email              TEXT,
  f_phone_number       TEXT,
  f_name               TEXT,
  f_given_name         TEXT,
  f_family_name        TEXT,
  f_preferred_username TEXT,
  f_user_status        TEXT,
  f_status             TEXT,
  created         INTEGER NOT NULL,
  modified        INTEGER NOT NULL,
  identity_count  INTEGER NOT NULL DEFAULT 0,
  UNIQUE (pool_id, username_key),
  UNIQUE (pool_id, sub)
);
INSERT INTO users_rebuilt (seq, pool_id, sub, username, username_key, status, enabled, attributes, password, extra,
  alias_email, alias_phone, alias_preferred, f_email, f_phone_number, f_name, f_given_name, f_family_name,
  f_preferred_username, f_user_status, f_status, created, modified, identity_count)
SELECT seq, pool_id, sub, username, username_key, status, enabled, attributes, password, extra,
  alias_email, alias_phone, alias_preferred, f_email, f_phone_number, f_name, f_given_name, f_family_name,
  f_preferred_username, f_user_status, f_status, created, modified, identity_count
FROM users ORDER BY seq;
DROP TABLE users;
ALTER TABLE users_rebuilt RENAME TO users;
CREATE UNIQUE INDEX users_alias_email ON users(pool_id, alias_email) WHERE alias_email IS NOT NULL;
CREATE UNIQUE INDEX users_alias_phone ON users(pool_id, alias_phone) WHERE alias_phone IS NOT NULL;
CREATE UNIQUE INDEX users_alias_preferred ON users(pool_id, alias_preferred) WHERE alias_preferred IS NOT NULL;
CREATE INDEX users_pool_seq ON users(pool_id, seq);
CREATE INDEX users_f_email ON users(pool_id, f_email, seq) WHERE f_email IS NOT NULL;
CREATE INDEX users_f_phone_number ON users(pool_id, f_phone_number, seq) WHERE f_phone_number IS NOT NULL;
CREATE INDEX users_f_name ON users(pool_id, f_name, seq) WHERE f_name IS NOT NULL;
CREATE INDEX users_f_given_name ON users(pool_id, f_given_name, seq) WHERE f_given_name IS NOT NULL;
CREATE INDEX users_f_family_name ON users(pool_id, f_family_name, seq) WHERE f_family_name IS NOT NULL;
CREATE INDEX users_f_preferred_username ON users(pool_id, f_preferred_username, seq) WHERE f_preferred_username IS NOT NULL;
CREATE INDEX users_f_user_status ON users(pool_id, f_user_status, seq);
