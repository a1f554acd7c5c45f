package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/validate"
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

// importJob is a job as stored: what the API shows, and what a process
// that takes the job up after another stopped needs.
type importJob struct {
	UserImportJobType
	// Line is the last CSV record (the header is record 1) whose outcome
	// is committed, with the users it imported and the counts.
	Line int64 `json:"cognitodLine,omitempty"`
	// Owner is the process running the job; its claim holds until Lease
	// (Unix milliseconds), renewed with every batch.
	Owner string `json:"cognitodOwner,omitempty"`
	Lease int64  `json:"cognitodLease,omitempty"`
}

func decodeJob(j storage.ImportJob) *importJob {
	var out importJob
	_ = json.Unmarshal(j.Config, &out)
	return &out
}

// active: waiting, running or stopping (a process must finish it).
func (j *importJob) active() bool {
	return j.Status == "Pending" || j.Status == "InProgress" || j.Status == "Stopping"
}

func (j *importJob) encode(to *storage.ImportJob) {
	to.Config, to.Active = mustJSON(j), j.active()
}

// wire is the job as the API answers it.
func (j *importJob) wire() *UserImportJobType {
	w := j.UserImportJobType
	return &w
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
	j := &importJob{UserImportJobType: UserImportJobType{JobName: in.JobName, JobId: id, UserPoolId: p.ID, Status: "Created", CloudWatchLogsRoleArn: in.CloudWatchLogsRoleArn,
		CreationDate: awsjson.T(s.clock()), PreSignedUrl: s.baseURL + "/_cognitod/import/" + id + "?token=" + token}}
	sj := storage.ImportJob{ID: id, PoolID: p.ID}
	j.encode(&sj)
	if err := s.store.CreateImportJob(ctx, sj); err != nil {
		return nil, err
	}
	return map[string]any{"UserImportJob": j.wire()}, nil
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
	// Stored where every node reads it: the job may run on another.
	return s.store.PutImportFile(ctx, jobID, body)
}

// JobRef names an import job.
type JobRef struct {
	UserPoolId string
	JobId      string
}

func (s *Service) setJob(ctx context.Context, poolID, id string, fn func(*importJob) error) (*importJob, error) {
	var out *importJob
	_, err := s.store.UpdateImportJob(ctx, poolID, id, func(j *storage.ImportJob) error {
		cur := decodeJob(*j)
		if err := fn(cur); err != nil {
			return err
		}
		cur.encode(j)
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
	notCreated := func(j *importJob) error {
		if j.Status != "Created" {
			return apierr.New(apierr.PreconditionNotMet, "Import job %s cannot be started: its status is %s.", j.JobId, j.Status)
		}
		return nil
	}
	cur, err := s.currentJob(ctx, p.ID, in.JobId)
	if err != nil {
		return nil, err
	}
	if err := notCreated(cur); err != nil {
		return nil, err
	}
	// Cognito refuses to start a job before its file is uploaded; the job
	// stays Created, to be started once it is.
	f, err := s.store.OpenImportFile(ctx, in.JobId)
	if isNotFound(err) {
		return nil, apierr.New(apierr.PreconditionNotMet, "No csv file was uploaded for %s", in.JobId)
	}
	if err != nil {
		return nil, err
	}
	f.Close()
	j, err := s.setJob(ctx, p.ID, in.JobId, func(j *importJob) error {
		if err := notCreated(j); err != nil {
			return err
		}
		j.Status, j.StartDate = "Pending", awsjson.T(s.clock())
		return nil
	})
	if err != nil {
		return nil, err
	}
	go s.runImport(p, in.JobId, false)
	return map[string]any{"UserImportJob": j.wire()}, nil
}

// StopUserImportJob stops a pending or running job.
func (s *Service) StopUserImportJob(ctx context.Context, in *JobRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if _, err := s.currentJob(ctx, p.ID, in.JobId); err != nil { // so that a refusal says Expired
		return nil, err
	}
	j, err := s.setJob(ctx, p.ID, in.JobId, func(j *importJob) error {
		if j.Status != "Pending" && j.Status != "InProgress" {
			return apierr.New(apierr.PreconditionNotMet, "Import job %s cannot be stopped: its status is %s.", j.JobId, j.Status)
		}
		j.Status = "Stopping"
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserImportJob": j.wire()}, nil
}

// DescribeUserImportJob answers a job and its counts.
func (s *Service) DescribeUserImportJob(ctx context.Context, in *JobRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	cur, err := s.currentJob(ctx, p.ID, in.JobId)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserImportJob": cur.wire()}, nil
}

// currentJob reads a job as it now is (Expired if its time has passed).
func (s *Service) currentJob(ctx context.Context, poolID, id string) (*importJob, error) {
	j, err := s.store.GetImportJob(ctx, poolID, id)
	if isNotFound(err) {
		return nil, jobNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return s.expire(ctx, decodeJob(j))
}

// importJobExpiry is how long a job waits to be started: Cognito expires
// one "not started within 24-48 hours", as the upload URL expires.
const importJobExpiry = 24 * time.Hour

// expire makes a job that was never started Expired once importJobExpiry
// has passed since it was created, and deletes its file ("All data
// associated with the job was deleted, and the job can't be started"). It
// answers the job as it now is.
func (s *Service) expire(ctx context.Context, j *importJob) (*importJob, error) {
	if j.Status != "Created" || j.CreationDate == nil || s.now().Sub(time.Time(*j.CreationDate)) < importJobExpiry {
		return j, nil
	}
	cur, err := s.setJob(ctx, j.UserPoolId, j.JobId, func(c *importJob) error {
		if c.Status == "Created" { // not started meanwhile
			c.Status = "Expired"
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if cur.Status == "Expired" {
		if err := s.store.DeleteImportFile(ctx, j.JobId); err != nil {
			return nil, err
		}
	}
	return cur, nil
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
		cur, err := s.expire(ctx, decodeJob(j))
		if err != nil {
			return nil, err
		}
		out = append(out, cur.wire())
	}
	res := map[string]any{"UserImportJobs": out}
	if next != "" {
		res["PaginationToken"] = next
	}
	return res, nil
}

// importContact numbers the columns of the two ways to reach a user:
// email (0), phone_number (1).
var importContact = map[string]int{"email": 0, "email_verified": 0, "phone_number": 1, "phone_number_verified": 1}

// importedUser builds a user from one CSV row, or says why it cannot.
func (p *pool) importedUser(header, rec []string, userCol int, now time.Time) (storage.User, string) {
	if len(rec) != len(header) {
		return storage.User{}, "wrong number of columns"
	}
	for _, v := range rec {
		if !utf8.ValidString(v) {
			// JSON would turn the bad bytes into U+FFFD: the name or value
			// the API shows would not be the one stored.
			return storage.User{}, "the row is not valid UTF-8"
		}
	}
	username := strings.TrimSpace(rec[userCol])
	if username == "" {
		return storage.User{}, "cognito:username is empty"
	}
	// A name the API would refuse could never be named again (AdminGetUser,
	// sign-in): the row fails as AdminCreateUser would.
	if errs := validate.MustLoad().Value("UsernameType", username, "cognito:username"); len(errs) > 0 {
		return storage.User{}, errs[0]
	}
	var attrs []AttributeType
	mfa := ""
	var verified, given [2]bool // by importContact
	for i, h := range header {
		v := rec[i]
		switch h {
		case "cognito:mfa_enabled":
			mfa = strings.ToLower(v)
			continue
		case "email_verified", "phone_number_verified":
			v = strings.ToLower(v)
			verified[importContact[h]] = v == "true"
		case "email", "phone_number":
			given[importContact[h]] = v != ""
		}
		if i == userCol || v == "" {
			continue
		}
		attrs = append(attrs, AttributeType{Name: h, Value: ptr(v)})
	}
	// Cognito's rules for a row (developer guide, "Formatting the CSV
	// file"): cognito:mfa_enabled set; one of the pool's auto-verified
	// attributes verified, so that the user can get the code that resets
	// the password; a verified email or phone number present.
	if mfa != "true" && mfa != "false" {
		return storage.User{}, "cognito:mfa_enabled must be true or false."
	}
	auto := false
	for _, a := range p.autoVerified() {
		if i, ok := importContact[a]; ok {
			auto = auto || verified[i]
		}
	}
	if !auto {
		return storage.User{}, "The User Record does not set any of the auto verified attributes to verified. (Example: email_verified to true)."
	}
	for i, a := range [...]string{"email", "phone_number"} {
		if verified[i] && !given[i] {
			return storage.User{}, fmt.Sprintf("%s_verified is true but %s is empty.", a, a)
		}
	}
	// cognito:mfa_enabled activates SMS MFA, which needs a phone number.
	if mfa == "true" && !given[importContact["phone_number"]] {
		return storage.User{}, "cognito:mfa_enabled is true but phone_number is empty."
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
	if mfa == "true" {
		u.Extra = mustJSON(userExtra{MFA: mfaRecord{SMS: true}})
	}
	p.index(&u)
	return u, ""
}
