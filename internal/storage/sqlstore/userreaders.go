package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cognitod/cognitod/internal/storage"
)

// userReaders answer the reads of users rows (GetUser's lookup by a unique
// key and ListUsers' listings) and the lookup of one identity, on read-only
// connections of their own, through SQLite's C interface rather than
// database/sql: with a million users most lookups miss the user cache, and
// database/sql with the driver spent as much CPU per query as SQLite itself
// (column names and declared types built for every query, the row's values
// boxed, converted and copied twice). Everything else reads through
// database/sql.
//
// One statement per connection and query text, prepared once; text
// arguments are bound without a copy by SQLite from a buffer of the
// connection's, valid until the next bind.
//
// A connection keeps its read transaction from one query to the next while
// no write transaction has ended (gen unchanged): starting one (the WAL's
// read lock, the database header checked again) and ending it cost as much
// as a cached lookup. A snapshot taken after the last write ended is
// exactly what a new transaction would read; a caller told of a write has
// seen gen move past it first (writeEnded runs before anyone is answered).
// The checkpointer ends idle connections' outdated snapshots before each
// checkpoint (endIdleSnapshots), so that none holds the WAL back.
type userReaders struct {
	path string
	idle chan *userReader
	// gen answers how many write transactions have ended (userCache.begin).
	gen func() uint64
	mu  sync.Mutex // guards closed
	// closed is set by close; a reader put back after it is closed at once.
	closed bool
	// epoch counts reopen's calls; a connection of an older one is
	// replaced when it is put back.
	epoch atomic.Uint64
}

type userReader struct {
	tls   *libc.TLS
	db    uintptr
	stmts map[string]uintptr
	// arg is C memory for the bound values; argCap its size.
	arg    uintptr
	argCap int
	// inSnapshot is set while the connection is in a read transaction,
	// begun when snapshotGen write transactions had ended.
	inSnapshot  bool
	snapshotGen uint64
	// epoch is the userReaders.epoch the connection was opened in.
	epoch uint64
}

func openUserReaders(path string, n int, gen func() uint64) (*userReaders, error) {
	rs := &userReaders{path: path, idle: make(chan *userReader, n), gen: gen}
	for range n {
		r, err := openUserReader(path)
		if err != nil {
			rs.close()
			return nil, err
		}
		rs.idle <- r
	}
	return rs, nil
}

func openUserReader(path string) (*userReader, error) {
	r := &userReader{tls: libc.NewTLS(), stmts: map[string]uintptr{}}
	cpath, err := libc.CString(path)
	if err != nil {
		r.tls.Close()
		return nil, err
	}
	pdb := libc.Xmalloc(r.tls, 8)
	rc := int32(sqlite3.SQLITE_NOMEM)
	if pdb != 0 {
		rc = sqlite3.Xsqlite3_open_v2(r.tls, cpath, pdb, sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_FULLMUTEX, 0)
		r.db = *(*uintptr)(cptr(pdb))
		libc.Xfree(r.tls, pdb)
	}
	libc.Xfree(r.tls, cpath)
	if rc != sqlite3.SQLITE_OK {
		err := r.err(rc)
		r.close()
		return nil, err
	}
	sqlite3.Xsqlite3_extended_result_codes(r.tls, r.db, 1)
	sqlite3.Xsqlite3_busy_timeout(r.tls, r.db, 10000)
	if err := r.exec(`PRAGMA cache_size = -1024`); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *userReader) err(rc int32) error {
	msg := "out of memory"
	if r.db != 0 {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(r.tls, r.db))
	}
	return fmt.Errorf("sqlite: %s (%d)", msg, rc)
}

func (r *userReader) exec(q string) error {
	cq, err := libc.CString(q)
	if err != nil {
		return err
	}
	defer libc.Xfree(r.tls, cq)
	if rc := sqlite3.Xsqlite3_exec(r.tls, r.db, cq, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return r.err(rc)
	}
	return nil
}

func (r *userReader) close() {
	for _, st := range r.stmts {
		sqlite3.Xsqlite3_finalize(r.tls, st)
	}
	if r.db != 0 {
		sqlite3.Xsqlite3_close_v2(r.tls, r.db)
	}
	if r.arg != 0 {
		libc.Xfree(r.tls, r.arg)
	}
	r.tls.Close()
}

// stmt answers the connection's statement for q, preparing it the first time.
func (r *userReader) stmt(q string) (uintptr, error) {
	if st, ok := r.stmts[q]; ok {
		return st, nil
	}
	cq, err := libc.CString(q)
	if err != nil {
		return 0, err
	}
	defer libc.Xfree(r.tls, cq)
	pst := libc.Xmalloc(r.tls, 8)
	if pst == 0 {
		return 0, errors.New("sqlite: out of memory")
	}
	defer libc.Xfree(r.tls, pst)
	if rc := sqlite3.Xsqlite3_prepare_v3(r.tls, r.db, cq, -1, sqlite3.SQLITE_PREPARE_PERSISTENT, pst, 0); rc != sqlite3.SQLITE_OK {
		return 0, r.err(rc)
	}
	st := *(*uintptr)(cptr(pst))
	r.stmts[q] = st
	return st, nil
}

// query runs q with args (strings and int64s) and calls row for each row
// of its answer, which row reads with the reader's column methods.
func (r *userReader) query(q string, args []any, row func(st uintptr) error) error {
	st, err := r.stmt(q)
	if err != nil {
		return err
	}
	if err := r.bind(st, args); err != nil {
		return err
	}
	defer sqlite3.Xsqlite3_reset(r.tls, st)
	for {
		switch rc := sqlite3.Xsqlite3_step(r.tls, st); rc {
		case sqlite3.SQLITE_ROW:
			if err := row(st); err != nil {
				return err
			}
		case sqlite3.SQLITE_DONE:
			return nil
		default:
			return r.err(rc)
		}
	}
}

// user runs q, whose two parameters are a pool and a key, and reads the
// row's userCols.
func (r *userReader) user(q, pool, key string) (storage.User, error) {
	var row userRow
	err := r.queryOne(q, []any{pool, key}, func(st uintptr) {
		u := r.head(st, &row)
		u.Password, u.Extra = r.blob(st, 8), r.blob(st, 9)
		row.ae, row.ap, row.apr = r.nullText(st, 10), r.nullText(st, 11), r.nullText(st, 12)
		for i := range row.f {
			row.f[i] = r.nullText(st, 13+i)
		}
		row.created, row.mod, u.IdentityCount = r.int(st, 21), r.int(st, 22), int(r.int(st, 23))
	})
	if err != nil {
		return storage.User{}, err
	}
	return row.user()
}

// identity runs q, a lookup of one identity's identityCols, and reads
// its row.
func (r *userReader) identity(q string, args []any) (storage.Identity, error) {
	var id storage.Identity
	err := r.queryOne(q, args, func(st uintptr) {
		id = storage.Identity{Seq: r.int(st, 0), PoolID: r.text(st, 1), ProviderName: r.text(st, 2), ProviderType: r.text(st, 3),
			AttributeName: r.text(st, 4), Value: r.text(st, 5), UserSub: r.text(st, 6), Primary: r.int(st, 7) != 0,
			Issuer: r.text(st, 8), Created: fromMS(r.int(st, 9))}
	})
	return id, err
}

// queryOne runs q, a lookup of at most one row, and calls read for the
// row; no row answers storage.ErrNotFound.
func (r *userReader) queryOne(q string, args []any, read func(st uintptr)) error {
	found := false
	err := r.query(q, args, func(st uintptr) error {
		found = true
		read(st)
		return nil
	})
	if err == nil && !found {
		err = notFound(sql.ErrNoRows)
	}
	return err
}

// head reads the eight columns userCols and listedUserCols begin with
// (seq to attributes) into row, and answers row's user.
func (r *userReader) head(st uintptr, row *userRow) *storage.User {
	u := &row.u
	u.Seq = r.int(st, 0)
	u.PoolID, u.Sub, u.Username, u.UsernameKey, u.Status = r.text(st, 1), r.text(st, 2), r.text(st, 3), r.text(st, 4), r.text(st, 5)
	row.enabled, row.attrs = r.int(st, 6), r.text(st, 7)
	return u
}

// listedUsers runs q, a listing of listedUserCols and the filter column
// fname, and converts its rows.
func (r *userReader) listedUsers(q string, args []any, fname string) ([]storage.User, error) {
	var out []storage.User
	err := r.query(q, args, func(st uintptr) error {
		row := userRow{fname: fname}
		u := r.head(st, &row)
		row.ae, row.ap, row.apr = r.nullText(st, 8), r.nullText(st, 9), r.nullText(st, 10)
		row.created, row.mod, u.IdentityCount = r.int(st, 11), r.int(st, 12), int(r.int(st, 13))
		row.fv = r.nullText(st, 14)
		v, err := row.user()
		out = append(out, v)
		return err
	})
	return out, err
}

// bind binds args to st's parameters, strings from the connection's
// buffer (SQLITE_STATIC: SQLite reads them where they are, until the next
// bind).
func (r *userReader) bind(st uintptr, args []any) error {
	n := 0
	for _, a := range args {
		if s, ok := a.(string); ok {
			n += len(s)
		}
	}
	if n > r.argCap || r.arg == 0 {
		if r.arg != 0 {
			libc.Xfree(r.tls, r.arg)
		}
		size := max(n, 256)
		if r.arg = libc.Xmalloc(r.tls, libc.Tsize_t(size)); r.arg == 0 {
			r.argCap = 0
			return errors.New("sqlite: out of memory")
		}
		r.argCap = size
	}
	buf, off := unsafe.Slice((*byte)(cptr(r.arg)), r.argCap), 0
	for i, a := range args {
		var rc int32
		switch v := a.(type) {
		case string:
			copy(buf[off:], v)
			rc = sqlite3.Xsqlite3_bind_text(r.tls, st, int32(i+1), r.arg+uintptr(off), int32(len(v)), 0)
			off += len(v)
		case int64:
			rc = sqlite3.Xsqlite3_bind_int64(r.tls, st, int32(i+1), v)
		case int:
			rc = sqlite3.Xsqlite3_bind_int64(r.tls, st, int32(i+1), int64(v))
		default:
			return fmt.Errorf("sqlite: cannot bind %T", a)
		}
		if rc != sqlite3.SQLITE_OK {
			return r.err(rc)
		}
	}
	return nil
}

func (r *userReader) int(st uintptr, i int) int64 {
	return sqlite3.Xsqlite3_column_int64(r.tls, st, int32(i))
}

func (r *userReader) text(st uintptr, i int) string {
	p := sqlite3.Xsqlite3_column_text(r.tls, st, int32(i))
	n := sqlite3.Xsqlite3_column_bytes(r.tls, st, int32(i))
	if p == 0 || n == 0 {
		return ""
	}
	return string(unsafe.Slice((*byte)(cptr(p)), n))
}

func (r *userReader) nullText(st uintptr, i int) sql.NullString {
	if sqlite3.Xsqlite3_column_type(r.tls, st, int32(i)) == sqlite3.SQLITE_NULL {
		return sql.NullString{}
	}
	return sql.NullString{String: r.text(st, i), Valid: true}
}

// blob reads a BLOB column as database/sql does into a []byte: nil for
// NULL and for an empty value.
func (r *userReader) blob(st uintptr, i int) []byte {
	p := sqlite3.Xsqlite3_column_blob(r.tls, st, int32(i))
	n := sqlite3.Xsqlite3_column_bytes(r.tls, st, int32(i))
	if p == 0 || n == 0 {
		return nil
	}
	return append([]byte(nil), unsafe.Slice((*byte)(cptr(p)), n)...)
}

// get waits for an idle connection.
func (rs *userReaders) get(ctx context.Context) (*userReader, error) {
	select {
	case r := <-rs.idle:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// onReader runs fn on an idle connection of rs, in a snapshot as recent as
// the last write transaction that ended.
func onReader[T any](ctx context.Context, rs *userReaders, fn func(*userReader) (T, error)) (T, error) {
	r, err := rs.get(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	defer rs.put(r)
	if err := r.snapshot(rs.gen()); err != nil {
		var zero T
		return zero, err
	}
	v, err := fn(r)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		r.endSnapshot() // start the next query afresh
	}
	return v, err
}

// snapshot puts the connection in a read transaction begun after gen write
// transactions had ended (gen is read before the transaction begins: its
// snapshot has at least those).
func (r *userReader) snapshot(gen uint64) error {
	if r.inSnapshot && r.snapshotGen == gen {
		return nil
	}
	r.endSnapshot()
	if err := r.step(`BEGIN`); err != nil {
		return err
	}
	r.inSnapshot, r.snapshotGen = true, gen
	return nil
}

// endSnapshot ends the connection's read transaction, if it is in one.
func (r *userReader) endSnapshot() {
	if r.inSnapshot {
		r.inSnapshot = false
		if err := r.step(`COMMIT`); err != nil {
			_ = r.step(`ROLLBACK`)
		}
	}
}

// step runs q, a statement without parameters or rows.
func (r *userReader) step(q string) error {
	st, err := r.stmt(q)
	if err != nil {
		return err
	}
	defer sqlite3.Xsqlite3_reset(r.tls, st)
	if rc := sqlite3.Xsqlite3_step(r.tls, st); rc != sqlite3.SQLITE_DONE {
		return r.err(rc)
	}
	return nil
}

// endIdleSnapshots ends the read transactions of idle connections that
// began before the last write ended: they would keep a checkpoint from
// copying the frames written since.
func (rs *userReaders) endIdleSnapshots() {
	for range cap(rs.idle) {
		select {
		case r := <-rs.idle:
			if r.snapshotGen != rs.gen() {
				r.endSnapshot()
			}
			rs.put(r)
		default:
			return
		}
	}
}

// user runs q (see userReader.user) on an idle connection.
func (rs *userReaders) user(ctx context.Context, q, pool, key string) (storage.User, error) {
	return onReader(ctx, rs, func(r *userReader) (storage.User, error) { return r.user(q, pool, key) })
}

// identity runs q (see userReader.identity) on an idle connection.
func (rs *userReaders) identity(ctx context.Context, q string, args []any) (storage.Identity, error) {
	return onReader(ctx, rs, func(r *userReader) (storage.Identity, error) { return r.identity(q, args) })
}

// listedUsers runs q (see userReader.listedUsers) on an idle connection.
func (rs *userReaders) listedUsers(ctx context.Context, q string, args []any, fname string) ([]storage.User, error) {
	return onReader(ctx, rs, func(r *userReader) ([]storage.User, error) { return r.listedUsers(q, args, fname) })
}

func (rs *userReaders) put(r *userReader) { rs.requeue(r, true) }

// requeue puts r back among the idle connections, replacing it first if it
// is of an older epoch than reopen's last (it was in use when reopen ran;
// trim then hands its memory back, reopen's caller having trimmed before
// it was freed).
func (rs *userReaders) requeue(r *userReader, trim bool) {
	if epoch := rs.epoch.Load(); r.epoch != epoch {
		r = rs.fresh(r, epoch)
		if trim {
			trimSQLiteMemory()
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closed {
		r.close()
		return
	}
	rs.idle <- r
}

// reopen replaces every connection by a new one, freeing all their memory
// (see Store.releaseConns): the idle ones at once, the ones in use when
// they are put back. Connections opened before a million-user import hold
// allocations among the import's, which would keep the allocator's blocks
// (and tens of megabytes) resident if they stayed.
func (rs *userReaders) reopen() {
	rs.epoch.Add(1)
	for range cap(rs.idle) {
		select {
		case r := <-rs.idle:
			rs.requeue(r, false)
		default:
			return
		}
	}
}

// fresh closes r and answers a new connection of epoch in its place; if
// none can be opened, r itself (marked of epoch: it is not tried again).
func (rs *userReaders) fresh(r *userReader, epoch uint64) *userReader {
	n, err := openUserReader(rs.path)
	if err != nil {
		r.epoch = epoch
		return r
	}
	r.close()
	n.epoch = epoch
	return n
}

// close closes the idle connections at once and the busy ones as they are
// put back.
func (rs *userReaders) close() {
	rs.mu.Lock()
	rs.closed = true
	rs.mu.Unlock()
	for {
		select {
		case r := <-rs.idle:
			r.close()
		default:
			return
		}
	}
}

// cptr is the address of C memory (SQLite's or libc's, never Go's) as a
// pointer.
func cptr(p uintptr) unsafe.Pointer { return unsafe.Add(nil, p) }
