package userpool

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// importBatch is how many users one transaction loads.
const importBatch = 50000

// importLease is how long a process's claim on a job holds without news
// from it; every committed batch renews it. A job whose holder stopped is
// taken up by another process (or the same one restarted) once it runs out.
const importLease = time.Minute

// errNotHolder: the job is finished, or another live process holds it.
var errNotHolder = errors.New("import job held elsewhere or finished")

// ResumeImports takes up the import jobs that no live process is running:
// at once every active job when takeOver is set (this process alone uses
// the storage, so whoever held them has stopped), then, until ctx ends,
// every importLease/2 the jobs whose holder's lease ran out (another node
// that stopped). A resumed job goes on after the last committed batch.
func (s *Service) ResumeImports(ctx context.Context, takeOver bool) {
	s.TakeUpImportJobs(ctx, takeOver)
	t := time.NewTicker(importLease / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.TakeUpImportJobs(ctx, false)
		}
	}
}

// TakeUpImportJobs starts, in the background, the active import jobs that
// no live process holds (with takeOver, every active job); it answers how
// many it started.
func (s *Service) TakeUpImportJobs(ctx context.Context, takeOver bool) int {
	jobs, err := s.store.ActiveImportJobs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("listing import jobs to resume", "error", err.Error())
		}
		return 0
	}
	started := 0
	now := s.now().UnixMilli()
	for _, sj := range jobs {
		j := decodeJob(sj)
		if _, running := s.importsRunning.Load(sj.ID); running {
			continue
		}
		if !takeOver && j.Owner != "" && j.Lease > now {
			continue
		}
		p, err := s.getPool(ctx, sj.PoolID)
		if err != nil {
			continue
		}
		s.log.Info("resuming import job", "job", sj.ID, "user_pool", sj.PoolID, "after_row", j.Line)
		go s.runImport(p, sj.ID, takeOver)
		started++
	}
	return started
}

// claimJob makes this process the job's holder, unless the job is done or
// (without takeOver) another process's lease on it still holds.
func (s *Service) claimJob(ctx context.Context, poolID, jobID string, takeOver bool) (*importJob, error) {
	now := s.now()
	return s.setJob(ctx, poolID, jobID, func(j *importJob) error {
		if !j.active() {
			return errNotHolder
		}
		if !takeOver && j.Owner != "" && j.Owner != s.node && j.Lease > now.UnixMilli() {
			return errNotHolder
		}
		j.Owner, j.Lease = s.node, now.Add(importLease).UnixMilli()
		if j.Status == "Pending" {
			j.Status = "InProgress"
		}
		return nil
	})
}

// runImport reads the job's CSV and loads its users (status RESET_REQUIRED)
// in batches; each row's failure is counted and logged by row number. Each
// batch commits with the job's progress, so a job taken up again skips the
// rows already done and counts every row once.
func (s *Service) runImport(p *pool, jobID string, takeOver bool) {
	if _, running := s.importsRunning.LoadOrStore(jobID, true); running {
		return
	}
	defer s.importsRunning.Delete(jobID)
	ctx := context.Background()
	log := s.log.With("job", jobID, "user_pool", p.ID)
	j, err := s.claimJob(ctx, p.ID, jobID, takeOver)
	if err != nil {
		if !errors.Is(err, errNotHolder) {
			log.Error("import job update failed", "error", err.Error())
		}
		return
	}
	imported, skipped, failed, done := j.ImportedUsers, j.SkippedUsers, j.FailedUsers, j.Line
	finish := func(status, msg string) {
		_, err := s.setJob(ctx, p.ID, jobID, func(j *importJob) error {
			if j.Owner != s.node {
				return errNotHolder
			}
			if j.Status == "Stopping" {
				status, msg = "Stopped", "The job was stopped."
			}
			j.Status, j.CompletionMessage, j.CompletionDate = status, msg, awsjson.T(s.clock())
			j.ImportedUsers, j.SkippedUsers, j.FailedUsers = imported, skipped, failed
			j.Owner, j.Lease = "", 0
			return nil
		})
		switch {
		case errors.Is(err, errNotHolder):
			log.Warn("import job taken over by another process; this one stops")
			return
		case err != nil:
			log.Error("import job update failed", "error", err.Error())
			return
		}
		if err := s.store.DeleteImportFile(ctx, jobID); err != nil {
			log.Error("deleting import file", "error", err.Error())
		}
		// The job's batches were tens of megabytes; hand that memory back
		// now rather than when the runtime gets round to it.
		debug.FreeOSMemory()
	}
	if j.Status == "Stopping" {
		finish("Stopped", "The job was stopped.")
		return
	}
	f, err := s.store.OpenImportFile(ctx, jobID)
	if isNotFound(err) {
		finish("Failed", "No CSV file was uploaded to the job's pre-signed URL.")
		return
	}
	if err != nil {
		log.Error("opening import file", "error", err.Error())
		return // the lease runs out and the job is tried again
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	header, userCol, why := p.importHeader(r)
	if why != "" {
		finish("Failed", why)
		return
	}
	batch := make([]storage.User, 0, importBatch)
	rows := make([]int, 0, importBatch)
	// flush commits the batch with the job's progress up to record line;
	// it answers whether to go on.
	flush := func(line int) bool {
		var bi, bs, bf int64
		stopping := false
		errs, err := s.store.ImportUsers(ctx, p.ID, jobID, batch, func(sj *storage.ImportJob, errs []error) error {
			cur := decodeJob(*sj)
			if cur.Owner != s.node {
				return errNotHolder
			}
			bi, bs, bf = 0, 0, 0
			for _, e := range errs {
				switch {
				case e == nil:
					bi++
				case takenField(e) == "username":
					bs++
				default:
					bf++
				}
			}
			cur.ImportedUsers, cur.SkippedUsers, cur.FailedUsers, cur.Line = imported+bi, skipped+bs, failed+bf, int64(line)
			cur.Lease = s.now().Add(importLease).UnixMilli()
			stopping = cur.Status == "Stopping"
			cur.encode(sj)
			return nil
		})
		switch {
		case errors.Is(err, errNotHolder):
			log.Warn("import job taken over by another process; this one stops")
			return false
		case err != nil:
			log.Error("import batch failed", "error", err.Error())
			failed += int64(len(batch))
			finish("Failed", "The import stopped: a batch of users could not be stored.")
			return false
		}
		imported, skipped, failed, done = imported+bi, skipped+bs, failed+bf, int64(line)
		for i, e := range errs {
			switch f := takenField(e); f {
			case "":
				rowLog(log, "SUCCEEDED", rows[i], "The import succeeded.")
			case "username":
				rowLog(log, "SKIPPED", rows[i], "The user already exists.")
			default:
				msg := "The user could not be imported: a user has its sub."
				if ae, ok := apierr.As(aliasError(f)); ok {
					msg = ae.Message
				}
				rowLog(log, "FAILED", rows[i], msg)
			}
		}
		batch, rows = batch[:0], rows[:0]
		if stopping {
			finish("Stopped", "The job was stopped.")
			return false
		}
		return true
	}
	now := s.clock()
	line := 1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line++
		if int64(line) <= done {
			continue // committed before this process took the job up
		}
		if err != nil {
			failed++
			rowLog(log, "FAILED", line, "The row is not well-formed CSV.")
			continue
		}
		u, reason := p.importedUser(header, rec, userCol, now)
		if reason != "" {
			failed++
			rowLog(log, "FAILED", line, reason)
			continue
		}
		batch = append(batch, u)
		rows = append(rows, line)
		if len(batch) == importBatch && !flush(line) {
			return
		}
	}
	if len(batch) > 0 && !flush(line) {
		return
	}
	finish("Succeeded", fmt.Sprintf("Import Job Completed Successfully. %d users imported, %d skipped, %d failed.", imported, skipped, failed))
}

// rowLog logs a row that was not imported as Cognito's import log words
// it, by line number and without the user's data ("[FAILED] Line Number 7
// - ..."); imported rows are logged at debug level only.
func rowLog(log *slog.Logger, outcome string, line int, msg string) {
	level := slog.LevelInfo
	if outcome == "SUCCEEDED" {
		level = slog.LevelDebug
	}
	log.Log(context.Background(), level, "import row", "outcome", outcome, "line", line, "message", msg)
}

// takenField names the key of a row left out of a batch because another
// user has it ("username", "alias_email", ...), or "" for a stored row.
func takenField(err error) string {
	var ue *storage.UniqueError
	if errors.As(err, &ue) {
		return ue.Field
	}
	if err != nil {
		return "sub"
	}
	return ""
}

// importHeader reads and checks the CSV header: the pool's columns
// (GetCSVHeader), each once, in any order; and the pool must have an
// auto-verified attribute for any row to be imported. It answers the
// columns and the username's, or why the file cannot be imported.
func (p *pool) importHeader(r *csv.Reader) ([]string, int, string) {
	rec, err := r.Read()
	if err != nil {
		return nil, 0, "The CSV file has no header."
	}
	header := append([]string(nil), rec...)
	// Every column of the pool's header, in any order, each once
	// (developer guide: "All columns in the header must be present").
	missing := map[string]bool{}
	for _, h := range p.csvHeader() {
		missing[h] = true
	}
	userCol := -1
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		if !missing[h] {
			if slices.Contains(header[:i], h) {
				return nil, 0, fmt.Sprintf("The CSV header has the column %s twice.", h)
			}
			return nil, 0, fmt.Sprintf("The CSV header has a column that is not an attribute of the user pool: %s.", h)
		}
		delete(missing, h)
		if h == "cognito:username" {
			userCol = i
		}
	}
	if len(missing) > 0 {
		// CompletionMessage holds 128 characters: the first, and how many.
		return nil, 0, fmt.Sprintf("The CSV header lacks %d of the pool's columns (see GetCSVHeader), among them %s.", len(missing), slices.Sorted(maps.Keys(missing))[0])
	}
	// No row could pass the auto-verified rule: the job does not start.
	if len(p.autoVerified()) == 0 {
		return nil, 0, "The user pool has no auto-verified attributes: no user can be imported."
	}
	return header, userCol, ""
}
