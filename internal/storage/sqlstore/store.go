package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver

	"github.com/cognitod/cognitod/internal/storage"
)

//go:embed migrations
var migrations embed.FS

// Store is a SQL storage.Storage.
type Store struct {
	d      dialect
	writer *sql.DB // one connection: SQLite allows one writer at a time
	reader *sql.DB // readers run beside the writer (WAL)
	// readers is how many connections reader keeps (SQLite file only).
	readers int
	// userReaders answer GetUser's lookups and ListUsers' listings (SQLite
	// file only; nil otherwise).
	userReaders *userReaders
	wstmts      *stmtCache
	rstmts      *stmtCache
	// requests feeds the committer (SQLite); nil runs each transaction alone.
	requests chan txRequest
	stopped  chan struct{}
	// ckpt copies the WAL into the database file in the background (SQLite).
	ckpt     *sql.DB
	ckptStop chan struct{}
	ckptDone chan struct{}
	// users caches user reads (SQLite file only; nil otherwise).
	users *userCache
	// unlock releases the data directory (SQLite file only).
	unlock func()
	// wal makes the committer's batches durable (SQLite file only).
	wal *walSyncer
	// prewarm reads the database file into the page cache after start-up
	// (SQLite file only).
	prewarm *prewarmer
	// absent answers lookups of names and identities that no row has
	// (SQLite file only; nil otherwise).
	absent *absentKeys
	// release gives SQLite's memory back once imports pause (SQLite file
	// only; see importRelease).
	release importRelease
	// rowWrites counts the rows the writer has changed (its pre-update
	// hook; SQLite file only, nil otherwise): see runBatch.
	rowWrites *atomic.Uint64
}

var _ storage.Storage = (*Store)(nil)

// OpenSQLite opens (creating if needed) the database file cognitod.db in dir.
func OpenSQLite(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	unlock, err := lockDataDir(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "cognitod.db")
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	// Page caches are small (8 MiB for the writer, 1 MiB per reader): the
	// operating system caches the file anyway, and a larger writer cache
	// did not make a million-user import faster; resident memory matters
	// more (every page cached is memory the process never gives back).
	// Checkpoints run in the background (see checkpointer), not inside a
	// writer's commit where they would stall every caller of the batch; the
	// writer's own automatic checkpoint stays only as a bound.
	users := newUserCache(defaultUserCacheSize)
	// The writer commits without an fsync: the WAL syncer makes each batch
	// durable before any of its callers is answered (see walSyncer).
	writerPragmas := strings.Replace(pragmas, "synchronous(FULL)", "synchronous(NORMAL)", 1)
	// temp_store=MEMORY: the committer's per-caller SAVEPOINTs keep the
	// original of every page they change in a sub-journal, a temporary file
	// otherwise (one pwrite per page; a fifth of a write's CPU).
	base, err := sqlite.NewConnector("file:" + path + "?_txlock=immediate&" + writerPragmas + "&_pragma=cache_size(-" + strconv.Itoa(writerCacheKiB) + ")&_pragma=wal_autocheckpoint(20000)&_pragma=temp_store(MEMORY)")
	if err != nil {
		unlock()
		return nil, err
	}
	absent := newAbsentKeys()
	rowWrites := new(atomic.Uint64)
	w := sql.OpenDB(hookedConnector{Connector: base, hook: func(d sqlite.SQLitePreUpdateData) {
		rowWrites.Add(1)
		users.rowChanged(d)
		absent.rowChanged(d)
	}})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?mode=ro&"+pragmas+"&_pragma=cache_size(-1024)")
	if err != nil {
		w.Close()
		unlock()
		return nil, err
	}
	// Readers wait for a connection when all are busy; uncached reads of a
	// large pool are slow enough that a few per core are needed. As many
	// again serve user lookups and listings alone (see userReaders).
	n := max(runtime.GOMAXPROCS(0)*2, 4)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := newStore(sqliteDialect, w, r)
	s.readers = n
	s.unlock = unlock
	s.rowWrites = rowWrites
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	users.writeEnded(false) // the migrations' changes are committed
	s.users = users
	if s.userReaders, err = openUserReaders(path, n, users.begin); err != nil {
		s.Close()
		return nil, err
	}
	// The migrations ran with synchronous=NORMAL: make them durable too.
	if s.wal, err = newWALSyncer(path + "-wal"); err == nil {
		err = s.wal.fsync()
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.startCommitter()
	s.absent = absent
	// Any write transaction submitted now commits after every one whose
	// statements ran before it.
	absent.start(r, func(ctx context.Context) error { return s.tx(ctx, func(*sql.Tx) error { return nil }) })
	// The checkpointer copies WAL frames to the database file without its
	// page cache: 256 KiB is plenty (the default 2 MiB is memory for nothing).
	ck, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-256)")
	if err != nil {
		s.Close()
		return nil, err
	}
	ck.SetMaxOpenConns(1)
	s.startCheckpointer(ck)
	s.prewarm = startPrewarm(path)
	return s, nil
}

// OpenSQLiteMemory opens a private in-memory database (tests, demos): all
// state is lost when it is closed.
func OpenSQLiteMemory(ctx context.Context) (*Store, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	dsn := "file:mem" + hex.EncodeToString(b[:]) + "?mode=memory&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection keeps the one in-memory database alive and serialises
	// every statement, readers included.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	s := newStore(sqliteDialect, db, db)
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.startCommitter()
	return s, nil
}

func newStore(d dialect, writer, reader *sql.DB) *Store {
	s := &Store{d: d, writer: writer, reader: reader, wstmts: newStmtCache(writer), rstmts: newStmtCache(reader)}
	if reader == writer {
		s.rstmts = s.wstmts
	}
	return s
}

// writerCacheKiB is the writer's page cache (see OpenSQLite).
const writerCacheKiB = 8 << 10

// Close closes the database.
func (s *Store) Close() error {
	file := s.wal != nil // a SQLite file store, in WAL mode
	s.release.stop()
	s.prewarm.close()
	s.absent.close() // before the committer: a build may be waiting for it
	s.stopCheckpointer()
	s.stopCommitter()
	if s.userReaders != nil {
		s.userReaders.close()
	}
	s.wstmts.close()
	if s.rstmts != s.wstmts {
		s.rstmts.close()
	}
	var err error
	if s.reader != s.writer {
		err = s.reader.Close()
	}
	if file {
		// The writer is the last connection: it copies what is left of the
		// WAL into the database and empties it, so that the next start-up
		// has no WAL to read (SQLite's own checkpoint on close does not run
		// while another connection is open, and a read-only one closing last
		// cannot run it).
		_, _ = s.writer.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	if e := s.writer.Close(); err == nil {
		err = e
	}
	if s.unlock != nil {
		s.unlock()
		s.unlock = nil
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.reader.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (s *Store) migrate(ctx context.Context) error {
	if s.d.migrationLock != "" {
		// One transaction for all: the advisory lock serialises nodes that
		// start together.
		return s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
				return fmt.Errorf("create schema_migrations: %w", err)
			}
			return s.applyMigrations(ctx, tx)
		})
	}
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return s.applyMigrations(ctx, nil)
}

// applyMigrations applies the pending migrations in order: inside tx when
// given, else each in a transaction of its own.
func (s *Store) applyMigrations(ctx context.Context, outer *sql.Tx) error {
	dir := "migrations/" + s.d.name
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	// The versions already applied are read once, before any migration
	// transaction: a migration applied long ago costs nothing at start-up
	// (the foreign-keys-off path's check alone reads every row it covers).
	// PostgreSQL reads them inside the outer transaction, under the
	// migration lock; SQLite's data-directory lock keeps other processes out.
	q := s.writer.QueryContext
	if outer != nil {
		q = outer.QueryContext
	}
	applied, err := appliedVersions(ctx, q)
	if err != nil {
		return err
	}
	fresh := len(applied) == 0
	for _, name := range names {
		num, _, _ := strings.Cut(name, "_")
		version, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return err
		}
		if applied[version] {
			continue
		}
		apply := func(tx *sql.Tx) error {
			if log, ok := ctx.Value(migrationLogKey{}).(*slog.Logger); ok && !fresh {
				// Rebuilding a large table takes a while: say why start-up waits.
				log.Info("migrating the database", "migration", name)
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("apply %s: %w", name, err)
			}
			_, err := s.txExec(ctx, tx, `INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`, version, time.Now().UnixMilli())
			return err
		}
		switch {
		case outer != nil:
			err = apply(outer)
		case strings.HasPrefix(string(body), foreignKeysOff):
			err = s.txForeignKeysOff(ctx, apply)
		default:
			err = s.tx(ctx, apply)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// appliedVersions reads the versions recorded in schema_migrations.
func appliedVersions(ctx context.Context, query func(context.Context, string, ...any) (*sql.Rows, error)) (map[int]bool, error) {
	rows, err := query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

type migrationLogKey struct{}

// WithMigrationLog makes the Open functions called with the context log
// each migration they apply to an existing database.
func WithMigrationLog(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, migrationLogKey{}, log)
}

// foreignKeysOff starts a SQLite migration that rebuilds a table others
// refer to: with foreign keys on, dropping the old table would delete (ON
// DELETE CASCADE) every row that refers to it.
const foreignKeysOff = "-- cognitod: foreign_keys off"

// txForeignKeysOff runs fn in a write transaction on a connection with
// foreign keys off (the pragma is ignored inside a transaction), and
// commits only if every foreign key still holds.
func (s *Store) txForeignKeysOff(ctx context.Context, fn func(tx *sql.Tx) error) error {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	broken := rows.Next()
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	if broken {
		return errors.New("a foreign key no longer holds")
	}
	return tx.Commit()
}

// tx runs fn in a write transaction, committing when it returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.requests != nil {
		return s.submit(ctx, fn)
	}
	return retryConflicts(func() error { return s.tx1(ctx, fn) })
}

// retryConflicts runs fn again while it fails with a serialization failure
// or a deadlock (ErrConflict), a few times: callers never see one.
func retryConflicts(fn func() error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = fn(); !errors.Is(err, storage.ErrConflict) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func (s *Store) tx1(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.d.normalize(err)
	}
	defer s.wstmts.preparePending(ctx)
	defer s.writeEnded(false) // without the committer no user cache runs
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.d.normalize(err)
	}
	return s.d.normalize(tx.Commit())
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s.requests != nil {
		var res sql.Result
		err := s.tx(ctx, func(tx *sql.Tx) error {
			var err error
			res, err = s.txExec(ctx, tx, q, args...)
			return err
		})
		return res, err
	}
	st, err := s.wstmts.get(ctx, s.d.rebind(q))
	if err != nil {
		return nil, s.d.normalize(err)
	}
	res, err := st.ExecContext(ctx, args...)
	return res, s.d.normalize(err)
}

// mustAffect turns "no row changed" into ErrNotFound.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return storage.ErrNotFound
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return storage.ErrNotFound
	}
	return err
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func limitOf(p storage.Page) int {
	if p.Limit <= 0 {
		return 1 << 30
	}
	return p.Limit
}

// Secret returns the named secret, creating it with gen on first use.
func (s *Store) Secret(ctx context.Context, name string, gen func() []byte) ([]byte, error) {
	var v []byte
	err := s.readRow(ctx, `SELECT value FROM meta WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	fresh := gen()
	err = s.tx(ctx, func(tx *sql.Tx) error {
		err := s.txRow(ctx, tx, `SELECT value FROM meta WHERE name = ?`, name).Scan(&v)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		v = fresh
		_, err = s.txExec(ctx, tx, `INSERT INTO meta (name, value) VALUES (?, ?)`, name, fresh)
		return err
	})
	return v, err
}

// Setting answers a named setting (kept in meta, beside the secrets).
func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := s.readRow(ctx, `SELECT value FROM meta WHERE name = ?`, "setting:"+name).Scan(&v)
	return v, notFound(err)
}

// UpdateSetting changes a named setting in one transaction.
func (s *Store) UpdateSetting(ctx context.Context, name string, fn func(old []byte) ([]byte, error)) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var old []byte
		if err := s.txRow(ctx, tx, `SELECT value FROM meta WHERE name = ?`, "setting:"+name).Scan(&old); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		v, err := fn(old)
		if err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, "setting:"+name, v)
		return err
	})
}

// writeEnded tells the user cache that a write transaction is over, and
// whether it committed.
func (s *Store) writeEnded(committed bool) {
	if s.users != nil {
		s.users.writeEnded(committed)
	}
}
