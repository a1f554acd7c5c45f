package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per query text: preparing is a
// large share of a simple read's cost with SQLite.
type stmtCache struct {
	db      *sql.DB
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]bool // met inside a transaction, to prepare after it
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// peek answers a prepared statement if there is one. Inside a transaction
// nothing may be prepared on the pool: with one connection (the SQLite
// writer) that would wait for the connection the transaction holds. A miss
// is remembered and prepared by preparePending once the transaction ends.
func (c *stmtCache) peek(q string) (*sql.Stmt, bool) {
	c.mu.RLock()
	st, ok := c.m[q]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		c.pending[q] = true
		c.mu.Unlock()
	}
	return st, ok
}

func (c *stmtCache) preparePending(ctx context.Context) {
	c.mu.Lock()
	list := make([]string, 0, len(c.pending))
	for q := range c.pending {
		list = append(list, q)
	}
	c.pending = map[string]bool{}
	c.mu.Unlock()
	for _, q := range list {
		_, _ = c.get(ctx, q)
	}
}

func (c *stmtCache) get(ctx context.Context, q string) (*sql.Stmt, error) {
	c.mu.RLock()
	st, ok := c.m[q]
	c.mu.RUnlock()
	if ok {
		return st, nil
	}
	// Prepare without holding the lock: preparing may wait for a connection.
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	prev, ok := c.m[q]
	if !ok {
		c.m[q] = st
	}
	c.mu.Unlock()
	if ok {
		// Closed outside the lock: closing waits for every connection the
		// statement was prepared on, and one may be in a PostgreSQL
		// statement waiting for a row lock that a transaction holds, and
		// that transaction may be waiting for this cache.
		st.Close()
		return prev, nil
	}
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// scanner is a row to scan (a *sql.Row, *sql.Rows, or an error).
type scanner interface{ Scan(dest ...any) error }

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// stmtContext is the context a statement runs under. SQLite's driver
// starts a goroutine per statement to watch a cancellable context; its
// statements are local and short, so they run to the end instead (the
// committer checks each caller's context before its transaction starts).
// PostgreSQL statements stay cancellable.
func (s *Store) stmtContext(ctx context.Context) context.Context {
	if s.isSQLite() {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// isSQLite tells the SQLite store (file or memory) from PostgreSQL.
func (s *Store) isSQLite() bool { return s.d.name == sqliteDialect.name }

// readRow runs a one-row query on the readers.
func (s *Store) readRow(ctx context.Context, q string, args ...any) scanner {
	ctx = s.stmtContext(ctx)
	st, err := s.rstmts.get(ctx, s.d.rebind(q))
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// scanWritten runs a one-row statement (INSERT ... RETURNING) on the
// writer outside a transaction, retried on a conflict as a transaction
// would be, and scans its row into dest.
func (s *Store) scanWritten(ctx context.Context, q string, args []any, dest ...any) error {
	return retryConflicts(func() error {
		st, err := s.wstmts.get(ctx, s.d.rebind(q))
		if err != nil {
			return s.d.normalize(err)
		}
		return s.d.normalize(st.QueryRowContext(s.stmtContext(ctx), args...).Scan(dest...))
	})
}

// read runs a query on the readers.
func (s *Store) read(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = s.stmtContext(ctx)
	st, err := s.rstmts.get(ctx, s.d.rebind(q))
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// txRow runs a one-row query inside a write transaction.
func (s *Store) txRow(ctx context.Context, tx *sql.Tx, q string, args ...any) scanner {
	ctx = s.stmtContext(ctx)
	q = s.d.rebind(q)
	if st, ok := s.wstmts.peek(q); ok {
		return tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, q, args...)
}

// txExec runs a statement inside a write transaction.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	ctx = s.stmtContext(ctx)
	q = s.d.rebind(q)
	if st, ok := s.wstmts.peek(q); ok {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// txQuery runs a query inside a write transaction.
func (s *Store) txQuery(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	ctx = s.stmtContext(ctx)
	q = s.d.rebind(q)
	if st, ok := s.wstmts.peek(q); ok {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, q, args...)
}

// collect makes a reader of every row of a query with scan; used as
// collect(scanX)(s.read(...)).
func collect[T any](scan func(scanner) (T, error)) func(*sql.Rows, error) ([]T, error) {
	return func(rows *sql.Rows, err error) ([]T, error) {
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []T
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, rows.Err()
	}
}
