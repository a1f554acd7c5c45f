package sqlstore

import (
	"errors"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cognitod/cognitod/internal/storage"
)

// dialect is what differs between SQL engines.
type dialect struct {
	name string
	// rebind turns `?` placeholders into the engine's own.
	rebind func(q string) string
	// normalize turns a driver error into a storage sentinel where one applies.
	normalize func(err error) error
	// forUpdate locks rows read for update inside a transaction (engines
	// with concurrent writers); SQLite has one writer and needs none.
	forUpdate string
	// returning: INSERT ... RETURNING gives the new row's seq (no LastInsertId).
	returning bool
	// dmlInWith: a WITH clause may hold an INSERT, run with the statement.
	dmlInWith bool
	// unlinkIdentity, where the engine can chain a DELETE into an UPDATE,
	// is UnlinkIdentity as one statement (pool, provider, attribute, value,
	// new modified or NULL): one round trip instead of five on a database
	// server. Empty: UnlinkIdentity's steps run in a transaction.
	unlinkIdentity string
	// migrationLock, run first in the migration transaction, keeps two
	// starting nodes from migrating at once.
	migrationLock string
}

var sqliteDialect = dialect{
	name:   "sqlite",
	rebind: func(q string) string { return q },
	normalize: func(err error) error {
		var se *sqlite.Error
		if !errors.As(err, &se) {
			return err
		}
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &storage.UniqueError{Field: uniqueField(se.Error())}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return storage.ErrNotFound
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return storage.ErrConflict
		}
		return err
	},
}

// uniqueField names the uniqueness rule from the engine's message, e.g.
// "UNIQUE constraint failed: users.pool_id, users.alias_email".
func uniqueField(msg string) string {
	_, cols, ok := strings.Cut(msg, "failed: ")
	if !ok {
		return "unknown"
	}
	cols, _, _ = strings.Cut(cols, " (")
	parts := strings.Split(cols, ",")
	last := strings.TrimSpace(parts[len(parts)-1])
	table, col, _ := strings.Cut(last, ".")
	switch {
	case table == "identities":
		return "identity"
	case table == "users" && col == "username_key":
		return "username"
	case table == "identity_providers":
		return "name"
	case table == "idp_identifiers":
		return "identifier"
	case table == "resource_servers":
		return "identifier"
	}
	return col
}

// postgresRebind is kept beside sqlite's so that queries are written once.
func postgresRebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
