// Package sqlstore is the SQL implementation of storage.Storage. One set of
// queries serves every dialect; where dialects differ (placeholders, error
// codes, connection set-up) the dialect type says so. SQLite is the default:
// a pure-Go driver, WAL journal, synchronous=FULL so that every acknowledged
// commit survives a crash, and one writer connection beside a pool of readers.
package sqlstore
