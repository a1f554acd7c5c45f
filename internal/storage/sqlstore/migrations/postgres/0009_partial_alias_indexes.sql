-- Alias uniqueness (email, phone number, preferred username as sign-in
-- aliases) is checked only among the users that have the alias: most have
-- none, and the UNIQUE constraints gave every user three index entries for
-- NULLs (three index inserts per user created).
ALTER TABLE users DROP CONSTRAINT users_pool_id_alias_email_key;
ALTER TABLE users DROP CONSTRAINT users_pool_id_alias_phone_key;
ALTER TABLE users DROP CONSTRAINT users_pool_id_alias_preferred_key;
CREATE UNIQUE INDEX users_alias_email ON users(pool_id, alias_email) WHERE alias_email IS NOT NULL;
CREATE UNIQUE INDEX users_alias_phone ON users(pool_id, alias_phone) WHERE alias_phone IS NOT NULL;
CREATE UNIQUE INDEX users_alias_preferred ON users(pool_id, alias_preferred) WHERE alias_preferred IS NOT NULL;
