ALTER TABLE users ADD COLUMN identity_count INTEGER NOT NULL DEFAULT 0;
UPDATE users SET identity_count = (SELECT COUNT(*) FROM identities i WHERE i.pool_id = users.pool_id AND i.user_sub = users.sub);
