// Package sqlstore is the SQL implementation of storage.Storage. One set of
// queries serves every dialect; where dialects differ (placeholders, error
// codes, connection set-up, statements only one engine can chain) the
// dialect type says so.
//
// SQLite is the default: a pure-Go driver, WAL journal, one writer
// connection fed by a committer that commits concurrent calls together and
// answers none before the WAL is fsynced (walsync.go), beside a pool of
// readers. Only the SQLite file store keeps state in the process, because
// it is its database's only writer: a cache of users read by key
// (usercache.go) and a filter of the user names and identities that exist
// (absent.go), both kept up to date by the writer connection as it writes.
// PostgreSQL, shared by several nodes, is read every time.
package sqlstore
