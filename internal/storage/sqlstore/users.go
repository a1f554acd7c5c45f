package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cognitod/cognitod/internal/storage"
)

const userCols = `seq, pool_id, sub, username, username_key, status, enabled, attributes, password, extra,
 alias_email, alias_phone, alias_preferred,
 f_email, f_phone_number, f_name, f_given_name, f_family_name, f_preferred_username, f_user_status, f_status,
 created, modified, identity_count`

// filterColumn maps a storage.FilterColumns entry to its SQL column.
var filterColumn = map[string]string{
	"username":            "username_key",
	"sub":                 "sub",
	"email":               "f_email",
	"phone_number":        "f_phone_number",
	"name":                "f_name",
	"given_name":          "f_given_name",
	"family_name":         "f_family_name",
	"preferred_username":  "f_preferred_username",
	"cognito:user_status": "f_user_status",
	"status":              "f_status",
}

// lookupColumn maps a storage.UserLookup field to its SQL column.
var lookupColumn = map[string]string{
	"username":        "username_key",
	"sub":             "sub",
	"alias_email":     "alias_email",
	"alias_phone":     "alias_phone",
	"alias_preferred": "alias_preferred",
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// storedFilterNames are the filter values kept in a users row (f_ columns,
// in userCols order); username and sub have columns of their own.
var storedFilterNames = [8]string{"email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status", "status"}

// storedFilter is u.Filter as a read of its row answers it.
func storedFilter(u *storage.User) map[string]string {
	f := map[string]string{"username": u.UsernameKey, "sub": u.Sub}
	for _, name := range storedFilterNames {
		if v := u.Filter[name]; v != "" { // "" is stored as NULL
			f[name] = v
		}
	}
	return f
}

// userRow is a users row as userCols (or listedUserCols and a filter
// column) reads it, before its conversion.
type userRow struct {
	u            storage.User
	attrs        string
	enabled      int64
	ae, ap, apr  sql.NullString
	f            [8]sql.NullString
	created, mod int64
	// fname is the filter column a listing read as fv ("" for none).
	fname string
	fv    sql.NullString
}

func scanUser(row scanner) (storage.User, error) {
	var r userRow
	u := &r.u
	err := row.Scan(&u.Seq, &u.PoolID, &u.Sub, &u.Username, &u.UsernameKey, &u.Status, &r.enabled, &r.attrs, &u.Password, &u.Extra,
		&r.ae, &r.ap, &r.apr, &r.f[0], &r.f[1], &r.f[2], &r.f[3], &r.f[4], &r.f[5], &r.f[6], &r.f[7], &r.created, &r.mod, &u.IdentityCount)
	if err != nil {
		return *u, notFound(err)
	}
	return r.user()
}

// user converts the row.
func (r *userRow) user() (storage.User, error) {
	u := r.u
	u.Enabled = r.enabled != 0
	var err error
	if u.Attributes, err = decodeAttributes(r.attrs); err != nil {
		return u, fmt.Errorf("user %s attributes: %w", u.Sub, err)
	}
	u.AliasEmail, u.AliasPhone, u.AliasPreferred = r.ae.String, r.ap.String, r.apr.String
	u.Filter = map[string]string{"username": u.UsernameKey, "sub": u.Sub}
	for i, name := range storedFilterNames {
		if r.f[i].Valid {
			u.Filter[name] = r.f[i].String
		}
	}
	if r.fname != "" && r.fv.Valid {
		u.Filter[r.fname] = r.fv.String
	}
	u.Created, u.Modified = fromMS(r.created), fromMS(r.mod)
	return u, nil
}

func userArgs(u *storage.User) ([]any, error) {
	attrs, err := json.Marshal(u.Attributes)
	if err != nil {
		return nil, err
	}
	if u.Attributes == nil {
		attrs = []byte("[]")
	}
	return userArgsWith(u, string(attrs)), nil
}

// userArgsWith is userArgs with the attributes column given.
func userArgsWith(u *storage.User, attrs any) []any {
	enabled := 0
	if u.Enabled {
		enabled = 1
	}
	f := u.Filter
	return []any{u.PoolID, u.Sub, u.Username, u.UsernameKey, u.Status, enabled, attrs, u.Password, u.Extra,
		nullable(u.AliasEmail), nullable(u.AliasPhone), nullable(u.AliasPreferred),
		nullable(f["email"]), nullable(f["phone_number"]), nullable(f["name"]), nullable(f["given_name"]),
		nullable(f["family_name"]), nullable(f["preferred_username"]), nullable(f["cognito:user_status"]), nullable(f["status"]),
		ms(u.Created), ms(u.Modified)}
}

// unchangedAttrs stands for the attributes column in both rows that
// putUserTx compares when the attributes are the same: no JSON is made
// for a write that does not change them (links, unlinks, status changes).
type unchangedAttrs struct{}

// CreateUser stores a new user and its own identities in one transaction; a
// taken username, sub, alias or identity answers a *storage.UniqueError.
func (s *Store) CreateUser(ctx context.Context, u storage.User, ids ...storage.Identity) (storage.User, error) {
	u.IdentityCount = len(ids)
	args, err := userArgs(&u)
	if err != nil {
		return u, err
	}
	const insert = `INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes, password, extra,
 alias_email, alias_phone, alias_preferred,
 f_email, f_phone_number, f_name, f_given_name, f_family_name, f_preferred_username, f_user_status, f_status,
 created, modified, identity_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	args = append(args, u.IdentityCount)
	if len(ids) == 0 && s.requests == nil && s.d.returning {
		// One statement needs no transaction of its own: on a database
		// server that is one round trip instead of three.
		return u, s.scanWritten(ctx, insert+` RETURNING seq`, args, &u.Seq)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.returning {
			if err := s.txRow(ctx, tx, insert+` RETURNING seq`, args...).Scan(&u.Seq); err != nil {
				return err
			}
		} else {
			res, err := s.txExec(ctx, tx, insert, args...)
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			u.Seq = id
		}
		if s.users != nil {
			s.users.wrote(u) // a new user is often read next (AdminGetUser, sign-in)
		}
		for _, id := range ids {
			if err := s.insertIdentityTx(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return u, err
}

// GetUser reads a user by one of its unique keys.
func (s *Store) GetUser(ctx context.Context, poolID string, by storage.UserLookup) (storage.User, error) {
	col, ok := lookupColumn[by.Field]
	if !ok {
		return storage.User{}, fmt.Errorf("unknown user lookup %q", by.Field)
	}
	q := `SELECT ` + userCols + ` FROM users WHERE pool_id = ? AND ` + col + ` = ?`
	if s.users == nil {
		return scanUser(s.readRow(ctx, q, poolID, by.Value))
	}
	k := userKey{pool: poolID, field: by.Field, value: by.Value}
	if u, ok := s.users.get(k); ok {
		return u, nil
	}
	if by.Field == "username" && s.absent.userAbsent(poolID, by.Value) {
		return storage.User{}, storage.ErrNotFound
	}
	gen := s.users.begin()
	var u storage.User
	var err error
	if s.userReaders != nil {
		u, err = s.userReaders.user(ctx, q, poolID, by.Value)
	} else {
		u, err = scanUser(s.readRow(ctx, q, poolID, by.Value))
	}
	if err == nil {
		s.users.put(gen, k, u)
	}
	return u, err
}

// listedUserCols are what a listing needs (see storage.Storage.ListUsers),
// then the filter's column: fewer columns to convert per row.
const listedUserCols = `seq, pool_id, sub, username, username_key, status, enabled, attributes,
 alias_email, alias_phone, alias_preferred, created, modified, identity_count`

// scanListedUser reads listedUserCols and the filter column.
func scanListedUser(row scanner, filterName string) (storage.User, error) {
	r := userRow{fname: filterName}
	u := &r.u
	err := row.Scan(&u.Seq, &u.PoolID, &u.Sub, &u.Username, &u.UsernameKey, &u.Status, &r.enabled, &r.attrs,
		&r.ae, &r.ap, &r.apr, &r.created, &r.mod, &u.IdentityCount, &r.fv)
	if err != nil {
		return *u, err
	}
	return r.user()
}

// ListUsers lists users in creation order, optionally filtered.
func (s *Store) ListUsers(ctx context.Context, poolID string, filter *storage.UserFilter, page storage.Page) ([]storage.User, error) {
	fcol, fname := "NULL", ""
	if filter != nil {
		col, ok := filterColumn[filter.Column]
		if !ok {
			return nil, fmt.Errorf("unknown filter column %q", filter.Column)
		}
		fcol, fname = col, filter.Column
	}
	q := `SELECT ` + listedUserCols + `, ` + fcol + ` FROM users WHERE pool_id = ? AND seq > ?`
	args := []any{poolID, page.After}
	if filter != nil {
		col := fcol
		if filter.Prefix {
			// A range keeps the index usable: [v, v+U+10FFFF).
			q += ` AND ` + col + ` >= ? AND ` + col + ` < ?`
			args = append(args, filter.Value, filter.Value+"\U0010FFFF")
		} else {
			q += ` AND ` + col + ` = ?`
			args = append(args, filter.Value)
		}
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, limitOf(page))
	var users []storage.User
	if s.userReaders != nil {
		var err error
		if users, err = s.userReaders.listedUsers(ctx, q, args, fname); err != nil {
			return nil, err
		}
	} else {
		rows, err := s.read(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanListedUser(rows, fname)
			if err != nil {
				return nil, err
			}
			users = append(users, u)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if filter == nil || !filter.Prefix {
		return users, nil
	}
	out := users[:0]
	for _, u := range users {
		if strings.HasPrefix(u.Filter[filter.Column], filter.Value) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Store) getUserTx(ctx context.Context, tx *sql.Tx, poolID, sub string) (storage.User, error) {
	// Inside the writer's transaction a cached row is exact: it is the last
	// committed version, and a change earlier in this transaction would have
	// removed it (and kept it out until the transaction ends).
	if s.users != nil {
		if u, ok := s.users.get(userKey{pool: poolID, field: "sub", value: sub}); ok {
			return u, nil
		}
	}
	return scanUser(s.txRow(ctx, tx, `SELECT `+userCols+` FROM users WHERE pool_id = ? AND sub = ?`+s.d.forUpdate, poolID, sub))
}

// updatableUserColumns are the columns of userArgs after pool_id and sub, in order.
var updatableUserColumns = []string{"username", "username_key", "status", "enabled", "attributes", "password", "extra",
	"alias_email", "alias_phone", "alias_preferred",
	"f_email", "f_phone_number", "f_name", "f_given_name", "f_family_name", "f_preferred_username", "f_user_status", "f_status",
	"created", "modified"}

// putUserTx writes the columns of u that differ from old (the row as read
// in this transaction): setting an indexed column, even to its own value,
// makes the engine rewrite that index's entry, and users have many indexes.
func (s *Store) putUserTx(ctx context.Context, tx *sql.Tx, old, u *storage.User) error {
	return s.putUserTxWith(ctx, tx, old, u, "")
}

// putUserTxWith is putUserTx with with (a WITH clause and its arguments,
// run in the same statement) before the UPDATE; with must not be empty
// only where the engine runs DML in a WITH (dialect.dmlInWith).
func (s *Store) putUserTxWith(ctx context.Context, tx *sql.Tx, old, u *storage.User, with string, withArgs ...any) error {
	var before, after []any
	if slices.Equal(old.Attributes, u.Attributes) { // nil and empty are both stored as []
		before, after = userArgsWith(old, unchangedAttrs{}), userArgsWith(u, unchangedAttrs{})
	} else {
		var err error
		if after, err = userArgs(u); err != nil {
			return err
		}
		before = userArgsWith(old, nil) // differs from any JSON text
	}
	var set []string
	args := withArgs
	for i, col := range updatableUserColumns {
		if !sameArg(before[i+2], after[i+2]) {
			set = append(set, col+" = ?")
			args = append(args, after[i+2])
		}
	}
	if old.IdentityCount != u.IdentityCount {
		set = append(set, "identity_count = ?")
		args = append(args, u.IdentityCount)
	}
	if len(set) == 0 {
		if with == "" {
			return nil
		}
		set = append(set, "modified = modified") // with still runs
	}
	// A user read in this transaction has its row id: finding the row by it
	// saves a descent of the (pool_id, sub) index on every update.
	where := ` WHERE pool_id = ? AND sub = ?`
	if u.Seq != 0 {
		where = ` WHERE seq = ? AND pool_id = ? AND sub = ?`
		args = append(args, u.Seq)
	}
	args = append(args, u.PoolID, u.Sub)
	if u.UsernameKey != old.UsernameKey {
		s.absent.addUserName(u.PoolID, u.UsernameKey) // before the UPDATE commits
	}
	if err := mustAffect(s.txExec(ctx, tx, with+`UPDATE users SET `+strings.Join(set, ", ")+where, args...)); err != nil {
		return err
	}
	if s.users != nil {
		s.users.wrote(*u)
	}
	return nil
}

func sameArg(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	case nil:
		return b == nil
	}
	return a == b
}

// UpdateUser changes a user inside a transaction.
func (s *Store) UpdateUser(ctx context.Context, poolID, sub string, fn func(*storage.User) error) (storage.User, error) {
	var u storage.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = s.getUserTx(ctx, tx, poolID, sub); err != nil {
			return err
		}
		old := u
		old.Attributes = append([]storage.Attribute(nil), u.Attributes...)
		if err := fn(&u); err != nil {
			return err
		}
		return s.putUserTx(ctx, tx, &old, &u)
	})
	return u, err
}

// DeleteUser removes a user and its identities (which frees them for linking).
func (s *Store) DeleteUser(ctx context.Context, poolID, sub string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM identities WHERE pool_id = ? AND user_sub = ?`,
			`DELETE FROM group_members WHERE pool_id = ? AND user_sub = ?`,
			`DELETE FROM refresh_tokens WHERE pool_id = ? AND user_sub = ?`,
		} {
			if _, err := s.txExec(ctx, tx, q, poolID, sub); err != nil {
				return err
			}
		}
		return mustAffect(s.txExec(ctx, tx, `DELETE FROM users WHERE pool_id = ? AND sub = ?`, poolID, sub))
	})
}

// prefixed qualifies every column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = alias + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
