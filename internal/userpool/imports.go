package userpool

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// UserImportJobType is an import job on the wire.
type UserImportJobType struct {
	JobName               string        `json:"JobName"`
	JobId                 string        `json:"JobId"`
	UserPoolId            string        `json:"UserPoolId"`
	PreSignedUrl          string        `json:"PreSignedUrl,omitempty"`
	CreationDate          *awsjson.Time `json:"CreationDate,omitempty"`
	StartDate             *awsjson.Time `json:"StartDate,omitempty"`
	CompletionDate        *awsjson.Time `json:"CompletionDate,omitempty"`
	Status                string        `json:"Status"`
	CloudWatchLogsRoleArn string        `json:"CloudWatchLogsRoleArn,omitempty"`
	ImportedUsers         int64         `json:"ImportedUsers"`
	SkippedUsers          int64         `json:"SkippedUsers"`
	FailedUsers           int64         `json:"FailedUsers"`
	CompletionMessage     string        `json:"CompletionMessage,omitempty"`
}

// importHeaderFixed are the CSV columns every pool has, in Cognito's order.
var importHeaderFixed = []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
	"website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified", "address",
	"updated_at", "cognito:mfa_enabled", "cognito:username"}

func (p *pool) csvHeader() []string {
	out := append([]string(nil), importHeaderFixed...)
	for _, a := range p.Schema {
		if strings.HasPrefix(a.Name, "custom:") || strings.HasPrefix(a.Name, "dev:custom:") {
			out = append(out, a.Name)
		}
	}
	return out
}

// GetCSVHeader answers the columns of a pool's import file.
func (s *Service) GetCSVHeader(ctx context.Context, in *struct{ UserPoolId string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPoolId": p.ID, "CSVHeader": p.csvHeader()}, nil
}

func (s *Service) importFile(jobID string) string { return filepath.Join(s.importDir, jobID+".csv") }

func decodeJob(j storage.ImportJob) *UserImportJobType {
	var out UserImportJobType
	_ = json.Unmarshal(j.Config, &out)
	return &out
}

func jobNotFound(id string) error {
	return apierr.New(apierr.ResourceNotFound, "Import job %s does not exist.", id)
}

// CreateUserImportJob makes a job and the URL to PUT its CSV file to.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserImportJob.html
func (s *Service) CreateUserImportJob(ctx context.Context, in *struct {
	JobName               string
	UserPoolId            string
	CloudWatchLogsRoleArn string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	id := "import-" + randomString(10, alnum)
	token, err := s.sealer.Seal("import-upload", s.now().Add(24*time.Hour), map[string]string{"pool": p.ID, "job": id})
	if err != nil {
		return nil, err
	}
	j := &UserImportJobType{JobName: in.JobName, JobId: id, UserPoolId: p.ID, Status: "Created", CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn,
		CreationDate: awsjson.T(s.clock()), PreSignedUrl: s.baseURL + "/_cognitod/import/" + id + "?token=" + token}
	if err := s.store.CreateImportJob(ctx, storage.ImportJob{ID: id, PoolID: p.ID, Config: mustJSON(j)}); err != nil {
		return nil, err
	}
	return map[string]any{"UserImportJob": j}, nil
}

// ErrBadUploadToken is an import upload URL that cognitod did not make.
var ErrBadUploadToken = errors.New("invalid or expired import upload URL")

// AcceptImportFile stores the CSV PUT to a job's pre-signed URL.
func (s *Service) AcceptImportFile(ctx context.Context, jobID, token string, body io.Reader) error {
	var t map[string]string
	if err := s.sealer.Open("import-upload", token, s.now(), &t); err != nil || t["job"] != jobID {
		return ErrBadUploadToken
	}
	j, err := s.store.GetImportJob(ctx, t["pool"], jobID)
	if err != nil || decodeJob(j).Status != "Created" {
		return ErrBadUploadToken
	}
	if err := os.MkdirAll(s.importDir, 0o700); err != nil {
		return err
	}
	tmp := s.importFile(jobID) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, s.importFile(jobID))
}

// JobRef names an import job.
type JobRef struct {
	UserPoolId string
	JobId      string
}

func (s *Service) setJob(ctx context.Context, poolID, id string, fn func(*UserImportJobType) error) (*UserImportJobType, error) {
	var out *UserImportJobType
	_, err := s.store.UpdateImportJob(ctx, poolID, id, func(j *storage.ImportJob) error {
		cur := decodeJob(*j)
		if err := fn(cur); err != nil {
			return err
		}
		j.Config = mustJSON(cur)
		out = cur
		return nil
	})
	if isNotFound(err) {
		return nil, jobNotFound(id)
	}
	return out, err
}

// StartUserImportJob starts importing the uploaded file in the background.
func (s *Service) StartUserImportJob(ctx context.Context, in *JobRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	j, err := s.setJob(ctx, p.ID, in.JobId, func(j *UserImportJobType) error {
		if j.Status != "Created" {
			return apierr.New(apierr.PreconditionNotMet, "Import job %s cannot be started: its status is %s.", j.JobId, j.Status)
		}
		j.Status, j.StartDate = "Pending", awsjson.T(s.clock())
		return nil
	})
	if err != nil {
		return nil, err
	}
	go s.runImport(p, in.JobId)
	return map[string]any{"UserImportJob": j}, nil
}

// StopUserImportJob stops a pending or running job.
func (s *Service) StopUserImportJob(ctx context.Context, in *JobRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	j, err := s.setJob(ctx, p.ID, in.JobId, func(j *UserImportJobType) error {
		if j.Status != "Pending" && j.Status != "InProgress" {
			return apierr.New(apierr.PreconditionNotMet, "Import job %s cannot be stopped: its status is %s.", j.JobId, j.Status)
		}
		j.Status = "Stopping"
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserImportJob": j}, nil
}

// DescribeUserImportJob answers a job and its counts.
func (s *Service) DescribeUserImportJob(ctx context.Context, in *JobRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	j, err := s.store.GetImportJob(ctx, p.ID, in.JobId)
	if isNotFound(err) {
		return nil, jobNotFound(in.JobId)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserImportJob": decodeJob(j)}, nil
}

// ListUserImportJobs lists a pool's jobs.
func (s *Service) ListUserImportJobs(ctx context.Context, in *struct {
	UserPoolId      string
	MaxResults      int
	PaginationToken string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	list, next, err := listPage(s, "imports/"+p.ID, in.PaginationToken, in.MaxResults,
		func(pg storage.Page) ([]storage.ImportJob, error) { return s.store.ListImportJobs(ctx, p.ID, pg) },
		func(j storage.ImportJob) int64 { return j.Seq })
	if err != nil {
		return nil, err
	}
	out := make([]*UserImportJobType, 0, len(list))
	for _, j := range list {
		out = append(out, decodeJob(j))
	}
	res := map[string]any{"UserImportJobs": out}
	if next != "" {
		res["PaginationToken"] = next
	}
	return res, nil
}

const importBatch = 50000

// runImport reads the job's CSV and loads its users (status RESET_REQUIRED)
// in batches; each row's failure is counted and logged by row number.
func (s *Service) runImport(p *pool, jobID string) {
	ctx := context.Background()
	log := s.log.With("job", jobID, "user_pool", p.ID)
	var imported, failed int64
	finish := func(status, msg string) {
		_, err := s.setJob(ctx, p.ID, jobID, func(j *UserImportJobType) error {
			if status != "Stopped" && j.Status == "Stopping" {
				status, msg = "Stopped", "The job was stopped."
			}
			j.Status, j.CompletionMessage, j.CompletionDate = status, msg, awsjson.T(s.clock())
			j.ImportedUsers, j.FailedUsers = imported, failed
			return nil
		})
		if err != nil {
			log.Error("import job update failed", "error", err.Error())
		}
		_ = os.Remove(s.importFile(jobID))
		// The job's batches were tens of megabytes; hand that memory back
		// now rather than when the runtime gets round to it.
		debug.FreeOSMemory()
	}
	f, err := os.Open(s.importFile(jobID))
	if err != nil {
		finish("Failed", "No CSV file was uploaded to the job's pre-signed URL.")
		return
	}
	defer f.Close()
	if _, err := s.setJob(ctx, p.ID, jobID, func(j *UserImportJobType) error { j.Status = "InProgress"; return nil }); err != nil {
		log.Error("import job update failed", "error", err.Error())
		return
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		finish("Failed", "The CSV file has no header.")
		return
	}
	header = append([]string(nil), header...)
	allowed := map[string]bool{}
	for _, h := range p.csvHeader() {
		allowed[h] = true
	}
	userCol := -1
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		header[i] = h
		if !allowed[h] {
			finish("Failed", fmt.Sprintf("The CSV header has a column that is not an attribute of the user pool: %s.", h))
			return
		}
		if h == "cognito:username" {
			userCol = i
		}
	}
	if userCol < 0 {
		finish("Failed", "The CSV header must have a cognito:username column.")
		return
	}
	batch := make([]storage.User, 0, importBatch)
	rows := make([]int, 0, importBatch)
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		errs, err := s.store.ImportUsers(ctx, batch)
		if err != nil {
			log.Error("import batch failed", "error", err.Error())
			failed += int64(len(batch))
		} else {
			for i, e := range errs {
				if e != nil {
					failed++
					log.Info("import row failed", "row", rows[i], "reason", "username or alias already exists")
				} else {
					imported++
				}
			}
		}
		batch, rows = batch[:0], rows[:0]
		j, err := s.setJob(ctx, p.ID, jobID, func(j *UserImportJobType) error {
			j.ImportedUsers, j.FailedUsers = imported, failed
			return nil
		})
		return err != nil || j.Status != "Stopping"
	}
	now := s.clock()
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			failed++
			log.Info("import row failed", "row", line, "reason", "malformed CSV")
			continue
		}
		u, reason := p.importedUser(header, rec, userCol, now)
		if reason != "" {
			failed++
			log.Info("import row failed", "row", line, "reason", reason)
			continue
		}
		batch = append(batch, u)
		rows = append(rows, line)
		if len(batch) == importBatch && !flush() {
			finish("Stopped", "The job was stopped.")
			return
		}
	}
	if !flush() {
		finish("Stopped", "The job was stopped.")
		return
	}
	finish("Succeeded", fmt.Sprintf("Import Job Completed Successfully. %d users imported, %d failed.", imported, failed))
}

// importedUser builds a user from one CSV row, or says why it cannot.
func (p *pool) importedUser(header, rec []string, userCol int, now time.Time) (storage.User, string) {
	if len(rec) != len(header) {
		return storage.User{}, "wrong number of columns"
	}
	username := strings.TrimSpace(rec[userCol])
	if username == "" {
		return storage.User{}, "cognito:username is empty"
	}
	var attrs []AttributeType
	for i, h := range header {
		v := rec[i]
		if i == userCol || h == "cognito:mfa_enabled" || v == "" {
			continue
		}
		if h == "email_verified" || h == "phone_number_verified" {
			v = strings.ToLower(v)
		}
		attrs = append(attrs, AttributeType{Name: h, Value: ptr(v)})
	}
	if err := p.checkWrite(attrs, true); err != nil {
		ae, _ := apierr.As(err)
		return storage.User{}, ae.Message
	}
	u := storage.User{PoolID: p.ID, Sub: uuid.NewString(), Username: username, Status: StatusResetRequired, Enabled: true,
		Attributes: toStored(attrs), Created: now, Modified: now}
	if err := p.checkRequired(&u); err != nil {
		ae, _ := apierr.As(err)
		return storage.User{}, ae.Message
	}
	p.index(&u)
	return u, ""
}
