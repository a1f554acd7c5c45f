package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

const jobCols = `seq, id, pool_id, config, active`

func scanJob(row scanner) (storage.ImportJob, error) {
	var j storage.ImportJob
	var cfg string
	var active int
	if err := row.Scan(&j.Seq, &j.ID, &j.PoolID, &cfg, &active); err != nil {
		return j, notFound(err)
	}
	j.Config, j.Active = []byte(cfg), active != 0
	return j, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateImportJob stores an import job.
func (s *Store) CreateImportJob(ctx context.Context, j storage.ImportJob) error {
	_, err := s.exec(ctx, `INSERT INTO import_jobs (id, pool_id, config, active) VALUES (?,?,?,?)`, j.ID, j.PoolID, string(j.Config), boolInt(j.Active))
	return err
}

// GetImportJob reads an import job of a pool.
func (s *Store) GetImportJob(ctx context.Context, poolID, id string) (storage.ImportJob, error) {
	return scanJob(s.readRow(ctx, `SELECT `+jobCols+` FROM import_jobs WHERE pool_id = ? AND id = ?`, poolID, id))
}

// ListImportJobs lists a pool's import jobs in creation order.
func (s *Store) ListImportJobs(ctx context.Context, poolID string, page storage.Page) ([]storage.ImportJob, error) {
	return collect(scanJob)(s.read(ctx, `SELECT `+jobCols+` FROM import_jobs WHERE pool_id = ? AND seq > ? ORDER BY seq LIMIT ?`, poolID, page.After, limitOf(page)))
}

// ActiveImportJobs lists the active jobs of every pool, oldest first.
func (s *Store) ActiveImportJobs(ctx context.Context) ([]storage.ImportJob, error) {
	return collect(scanJob)(s.read(ctx, `SELECT `+jobCols+` FROM import_jobs WHERE active = 1 ORDER BY seq`))
}

// UpdateImportJob changes an import job inside a transaction.
func (s *Store) UpdateImportJob(ctx context.Context, poolID, id string, fn func(*storage.ImportJob) error) (storage.ImportJob, error) {
	var j storage.ImportJob
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = s.updateJob(ctx, tx, poolID, id, fn)
		return err
	})
	return j, err
}

func (s *Store) updateJob(ctx context.Context, tx *sql.Tx, poolID, id string, fn func(*storage.ImportJob) error) (storage.ImportJob, error) {
	j, err := scanJob(s.txRow(ctx, tx, `SELECT `+jobCols+` FROM import_jobs WHERE pool_id = ? AND id = ?`+s.d.forUpdate, poolID, id))
	if err != nil {
		return j, err
	}
	if err := fn(&j); err != nil {
		return j, err
	}
	_, err = s.txExec(ctx, tx, `UPDATE import_jobs SET config = ?, active = ? WHERE id = ?`, string(j.Config), boolInt(j.Active), id)
	return j, err
}

// importChunk is how much of an uploaded file one row holds.
const importChunk = 1 << 20

// PutImportFile stores r in chunks of its own upload id, one transaction
// per chunk (no transaction waits for the client), then marks the upload
// whole and drops every other upload of the job in one last transaction.
func (s *Store) PutImportFile(ctx context.Context, jobID string, r io.Reader) error {
	var id [12]byte
	_, _ = rand.Read(id[:])
	upload := hex.EncodeToString(id[:])
	buf := make([]byte, importChunk)
	chunks := 0
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			chunks++
			if _, err := s.exec(ctx, `INSERT INTO import_files (job_id, upload, n, data) VALUES (?,?,?,?)`, jobID, upload, chunks, buf[:n]); err != nil {
				s.dropUpload(jobID, upload)
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			s.dropUpload(jobID, upload)
			return err
		}
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var stored int
		if err := s.txRow(ctx, tx, `SELECT COUNT(*) FROM import_files WHERE job_id = ? AND upload = ? AND n > 0`, jobID, upload).Scan(&stored); err != nil {
			return err
		}
		if stored != chunks {
			return fmt.Errorf("import file of job %s: %d of %d chunks left (uploaded again meanwhile)", jobID, stored, chunks)
		}
		if _, err := s.txExec(ctx, tx, `DELETE FROM import_files WHERE job_id = ? AND upload <> ?`, jobID, upload); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `INSERT INTO import_files (job_id, upload, n, data) VALUES (?,?,0,?)`, jobID, upload, []byte(strconv.Itoa(chunks)))
		return err
	})
	if err != nil {
		s.dropUpload(jobID, upload)
	}
	return err
}

// dropUpload removes what a failed upload stored.
func (s *Store) dropUpload(jobID, upload string) {
	_, _ = s.exec(context.Background(), `DELETE FROM import_files WHERE job_id = ? AND upload = ?`, jobID, upload)
}

// OpenImportFile reads the job's whole upload back, a chunk at a time.
func (s *Store) OpenImportFile(ctx context.Context, jobID string) (io.ReadCloser, error) {
	var upload string
	var count []byte
	if err := s.readRow(ctx, `SELECT upload, data FROM import_files WHERE job_id = ? AND n = 0`, jobID).Scan(&upload, &count); err != nil {
		return nil, notFound(err)
	}
	chunks, err := strconv.Atoi(string(count))
	if err != nil {
		return nil, fmt.Errorf("import file of job %s: bad chunk count %q", jobID, count)
	}
	return &chunkReader{ctx: ctx, s: s, job: jobID, upload: upload, chunks: chunks}, nil
}

type chunkReader struct {
	ctx         context.Context
	s           *Store
	job, upload string
	chunks, n   int
	cur         []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.n == c.chunks {
			return 0, io.EOF
		}
		c.n++
		if err := c.s.readRow(c.ctx, `SELECT data FROM import_files WHERE job_id = ? AND upload = ? AND n = ?`, c.job, c.upload, c.n).Scan(&c.cur); err != nil {
			return 0, fmt.Errorf("import file of job %s, chunk %d: %w", c.job, c.n, notFound(err))
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *chunkReader) Close() error { c.cur = nil; return nil }

// DeleteImportFile drops every upload of a job.
func (s *Store) DeleteImportFile(ctx context.Context, jobID string) error {
	_, err := s.exec(ctx, `DELETE FROM import_files WHERE job_id = ?`, jobID)
	return err
}

// releaseConns closes the writer's connection once imports pause (see
// importRelease), and the readers' idle ones (the next statements open new
// ones; a user reader in use is replaced when its query ends): everything
// SQLite allocated for them is freed. The allocator under
// SQLite hands a 64 KiB block back to the system only when every
// allocation in it is freed, and pages the readers cached while the batch
// loaded sit in blocks among the batch's: emptying the batch's page cache
// alone left the process tens of megabytes larger for good after a
// million-user import.
func (s *Store) releaseConns(ctx context.Context) {
	conn, err := s.writer.Conn(context.WithoutCancel(ctx))
	if err == nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // database/sql closes a bad connection
		_ = conn.Close()
	}
	s.reader.SetMaxIdleConns(0)
	s.reader.SetMaxIdleConns(s.readers)
	if s.userReaders != nil {
		s.userReaders.reopen()
	}
	trimSQLiteMemory()
}

// importRelease runs releaseConns once no import batch has been stored for
// releaseAfter. Releasing after every batch threw away the writer's page
// cache each time: the next batch read every index page back and faulted
// its memory in again, and the release itself (an madvise per 64 KiB
// block) was a tenth of a million-user import's CPU. The cache is bounded
// (importCacheKiB), so keeping it between batches does not raise the peak.
type importRelease struct {
	mu      sync.Mutex
	active  int // batches being stored
	timer   *time.Timer
	stopped bool
	after   time.Duration // releaseAfter when zero (tests shorten it)
}

// releaseAfter is how long the import cache outlives an import's last batch.
const releaseAfter = time.Second

// begin holds the release off while a batch is stored.
func (r *importRelease) begin() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.active++
	if r.timer != nil {
		r.timer.Stop()
	}
}

// end arms the release once no batch is being stored.
func (r *importRelease) end(release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.active--; r.active > 0 || r.stopped {
		return
	}
	after := cmp.Or(r.after, releaseAfter)
	if r.timer == nil {
		r.timer = time.AfterFunc(after, func() {
			r.mu.Lock()
			defer r.mu.Unlock() // begin and stop wait for a release under way
			if r.active == 0 && !r.stopped {
				release()
			}
		})
		return
	}
	r.timer.Reset(after)
}

// stop cancels a pending release and waits for one under way.
func (r *importRelease) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.timer != nil {
		r.timer.Stop()
	}
}

// importCacheKiB is the writer's page cache while it loads a batch of
// imported users: random keys (subs, names) touch most leaf pages of their
// indexes, and pages that do not all fit are written to the WAL again and
// again within one batch. The allocator under SQLite rounds each cached
// 4 KiB page (with SQLite's header for it) up to an 8 KiB slot, so the
// cache costs twice this in memory. Since the cache lives from one batch
// to the next, 64 MiB imports a million users as fast as 128 MiB did
// (36-37 s against 35-38 s, alternating runs) with a peak 125 MB lower.
const importCacheKiB = 64 << 10

// ImportUsers inserts a batch of users and records the job's progress in one transaction.
func (s *Store) ImportUsers(ctx context.Context, poolID, jobID string, users []storage.User, progress func(*storage.ImportJob, []error) error) ([]error, error) {
	errs := make([]error, len(users))
	file := s.readers > 0 // a SQLite file (closing an in-memory database's one connection would drop it)
	if file {
		s.release.begin()
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		clear(errs) // a retried transaction runs fn again
		if s.isSQLite() {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, importCacheKiB)); err != nil {
				return err
			}
		}
		// One statement for the batch: preparing, or binding a cached
		// statement to the transaction, for every row would cost as much
		// again as the rows.
		insert, err := tx.PrepareContext(ctx, s.d.rebind(`INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes, password, extra,
 alias_email, alias_phone, alias_preferred,
 f_email, f_phone_number, f_name, f_given_name, f_family_name, f_preferred_username, f_user_status, f_status,
 created, modified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`))
		if err != nil {
			return err
		}
		defer insert.Close()
		sctx := s.stmtContext(ctx)
		err = s.absent.addBulk(func() ([]string, error) {
			keys := make([]string, 0, len(users))
			for i := range users {
				args, err := userArgs(&users[i])
				if err != nil {
					return keys, err
				}
				res, err := insert.ExecContext(sctx, args...)
				if err != nil {
					return keys, err
				}
				if n, _ := res.RowsAffected(); n == 0 {
					taken, err := s.takenKey(sctx, tx, &users[i])
					if err != nil {
						return keys, err
					}
					errs[i] = taken
				} else {
					keys = append(keys, userNameKey(users[i].PoolID, users[i].UsernameKey))
				}
			}
			return keys, nil
		})
		if err != nil {
			return err
		}
		_, err = s.updateJob(ctx, tx, poolID, jobID, func(j *storage.ImportJob) error { return progress(j, errs) })
		return err
	})
	if file {
		s.release.end(func() { s.releaseConns(context.Background()) })
	}
	return errs, err
}

// takenKey answers which unique key of u a row of its pool already has (a
// *storage.UniqueError): the username before any alias, so that a user
// already there is told from one whose email another user has. Only rows
// that were left out pay for it.
func (s *Store) takenKey(ctx context.Context, tx *sql.Tx, u *storage.User) (*storage.UniqueError, error) {
	for _, k := range [...]struct{ col, field, v string }{
		{"username_key", "username", u.UsernameKey},
		{"alias_email", "alias_email", u.AliasEmail},
		{"alias_phone", "alias_phone", u.AliasPhone},
		{"alias_preferred", "alias_preferred", u.AliasPreferred},
	} {
		if k.v == "" {
			continue
		}
		var one int
		err := tx.QueryRowContext(ctx, s.d.rebind(`SELECT 1 FROM users WHERE pool_id = ? AND `+k.col+` = ?`), u.PoolID, k.v).Scan(&one)
		switch {
		case err == nil:
			return &storage.UniqueError{Field: k.field}, nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	return &storage.UniqueError{Field: "sub"}, nil
}
