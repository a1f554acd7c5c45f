-- ListUsers filter indexes hold only the users that have the attribute:
-- most users lack most of them, and every user paid an index entry per
-- missing attribute (space, and pages written). A filter `x = v` or
-- `x ^= v` implies x IS NOT NULL, so the planners still use them.
DROP INDEX users_f_email;
CREATE INDEX users_f_email ON users(pool_id, f_email, seq) WHERE f_email IS NOT NULL;
DROP INDEX users_f_phone_number;
CREATE INDEX users_f_phone_number ON users(pool_id, f_phone_number, seq) WHERE f_phone_number IS NOT NULL;
DROP INDEX users_f_name;
CREATE INDEX users_f_name ON users(pool_id, f_name, seq) WHERE f_name IS NOT NULL;
DROP INDEX users_f_given_name;
CREATE INDEX users_f_given_name ON users(pool_id, f_given_name, seq) WHERE f_given_name IS NOT NULL;
DROP INDEX users_f_family_name;
CREATE INDEX users_f_family_name ON users(pool_id, f_family_name, seq) WHERE f_family_name IS NOT NULL;
DROP INDEX users_f_preferred_username;
CREATE INDEX users_f_preferred_username ON users(pool_id, f_preferred_username, seq) WHERE f_preferred_username IS NOT NULL;
