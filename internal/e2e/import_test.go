package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/storage"
)

func TestUserImportJob(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail},
		Schema: []types.SchemaAttributeType{{Name: aws.String("team"), AttributeDataType: types.AttributeDataTypeString}}})
	e.user(pool, "existing")
	h := must[*cip.GetCSVHeaderOutput](t)(e.c.GetCSVHeader(e.ctx, &cip.GetCSVHeaderInput{UserPoolId: &pool}))
	if h.CSVHeader[len(h.CSVHeader)-1] != "custom:team" || !strings.Contains(strings.Join(h.CSVHeader, ","), "cognito:username,custom:team") {
		t.Fatalf("header: %v", h.CSVHeader)
	}
	job := must[*cip.CreateUserImportJobOutput](t)(e.c.CreateUserImportJob(e.ctx, &cip.CreateUserImportJobInput{UserPoolId: &pool, JobName: aws.String("j1"),
		CloudWatchLogsRoleArn: aws.String("arn:aws:iam::123456789012:role/import")})).UserImportJob
	if job.Status != types.UserImportJobStatusTypeCreated || !strings.HasPrefix(*job.JobId, "import-") || !strings.HasPrefix(*job.PreSignedUrl, e.url+"/_cognitod/import/") {
		t.Fatalf("job: %+v", job)
	}
	_, err := e.c.StopUserImportJob(e.ctx, &cip.StopUserImportJobInput{UserPoolId: &pool, JobId: job.JobId})
	wantErr(t, err, "PreconditionNotMetException", "")
	csv := "cognito:username,email,email_verified,custom:team,name\n" +
		"ann,ann@example.com,TRUE,red,Ann\n" +
		"bob,bob@example.com,false,blue,Bob\n" +
		"existing,x@example.com,false,,\n" +
		",nobody@example.com,false,,\n" +
		"cid,not-an-email,false,,\n" +
		"dan,ann@example.com,true,,Dan\n" +
		"eve smith,eve@example.com,false,,\n" + // a name the API refuses
		"fay,fay@example.com,false,\xff,\n" // not UTF-8
	req, _ := http.NewRequest(http.MethodPut, *job.PreSignedUrl, strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("upload: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	bad, _ := http.NewRequest(http.MethodPut, strings.Replace(*job.PreSignedUrl, "token=", "token=x", 1), strings.NewReader(csv))
	if r, _ := http.DefaultClient.Do(bad); r.StatusCode != http.StatusForbidden {
		t.Fatalf("forged upload URL: %d", r.StatusCode)
	}
	must[*cip.StartUserImportJobOutput](t)(e.c.StartUserImportJob(e.ctx, &cip.StartUserImportJobInput{UserPoolId: &pool, JobId: job.JobId}))
	var done *types.UserImportJobType
	for i := 0; i < 100; i++ {
		d := must[*cip.DescribeUserImportJobOutput](t)(e.c.DescribeUserImportJob(e.ctx, &cip.DescribeUserImportJobInput{UserPoolId: &pool, JobId: job.JobId})).UserImportJob
		if d.Status == types.UserImportJobStatusTypeSucceeded || d.Status == types.UserImportJobStatusTypeFailed {
			done = d
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if done == nil || done.Status != types.UserImportJobStatusTypeSucceeded || done.ImportedUsers != 2 || done.FailedUsers != 6 || done.CompletionDate == nil {
		t.Fatalf("finished job: %+v", done)
	}
	got := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ann")}))
	if got.UserStatus != types.UserStatusTypeResetRequired || attrOf(got.UserAttributes, "custom:team") != "red" || attrOf(got.UserAttributes, "email_verified") != "true" {
		t.Fatalf("imported user: %v %v", got.UserStatus, got.UserAttributes)
	}
	// The verified alias was imported: the user signs in... after resetting.
	if e.attrs(pool, "ann@example.com")["name"] != "Ann" {
		t.Fatal("alias of an imported user")
	}
	// The failed rows stored nothing: the pool has the user it had and the two imported.
	if all := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool})).Users; len(all) != 3 {
		t.Fatalf("%d users in the pool, want 3", len(all))
	}
	l := must[*cip.ListUserImportJobsOutput](t)(e.c.ListUserImportJobs(e.ctx, &cip.ListUserImportJobsInput{UserPoolId: &pool, MaxResults: aws.Int32(10)}))
	if len(l.UserImportJobs) != 1 {
		t.Fatalf("jobs: %d", len(l.UserImportJobs))
	}
}

// An import job whose process stopped is taken up again (by a process that
// owns the storage alone at once, by any other once the holder's lease
// has run out) and goes on after its last committed batch: every row is
// counted once, and the users that batch imported are not imported again.
func TestImportJobTakenUpAfterItsProcessStopped(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{})
	// held sets the job as a process that stopped left it: the status,
	// its holder and lease, and the last committed record.
	held := func(job, status string, lease time.Time, line int64) {
		_, err := e.store.UpdateImportJob(e.ctx, pool, job, func(j *storage.ImportJob) error {
			var m map[string]any
			_ = json.Unmarshal(j.Config, &m)
			m["Status"], m["cognitodOwner"], m["cognitodLease"], m["cognitodLine"] = status, "a-stopped-process", lease.UnixMilli(), line
			j.Config, _ = json.Marshal(m)
			j.Active = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Rows: ann, bob (committed by the stopped process with the bad row 4),
	// then cid, dan, a repeat of ann, eve.
	job := e.importJob(pool, "cognito:username,email\nann,ann@example.com\nbob,bob@example.com\n,no-username@example.com\n"+
		"cid,cid@example.com\ndan,dan@example.com\nann,again@example.com\neve,eve@example.com\n")
	held(job, "InProgress", time.Now().Add(time.Hour), 0)
	errs, err := e.store.ImportUsers(e.ctx, pool, job, []storage.User{
		{PoolID: pool, Sub: "sub-ann", Username: "ann", UsernameKey: "ann", Status: "RESET_REQUIRED", Enabled: true, Created: time.Now(), Modified: time.Now()},
		{PoolID: pool, Sub: "sub-bob", Username: "bob", UsernameKey: "bob", Status: "RESET_REQUIRED", Enabled: true, Created: time.Now(), Modified: time.Now()},
	}, func(j *storage.ImportJob, _ []error) error {
		var m map[string]any
		_ = json.Unmarshal(j.Config, &m)
		m["ImportedUsers"], m["FailedUsers"], m["cognitodLine"] = 2, 1, 4
		j.Config, _ = json.Marshal(m)
		return nil
	})
	if err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatal(err, errs)
	}
	// Its holder's lease still runs: another node leaves it alone.
	if n := e.svc.TakeUpImportJobs(e.ctx, false); n != 0 {
		t.Fatalf("took up %d jobs whose holder's lease holds", n)
	}
	// This process owns the storage alone: it takes the job over.
	if n := e.svc.TakeUpImportJobs(e.ctx, true); n != 1 {
		t.Fatalf("took up %d jobs, want 1", n)
	}
	done := e.importDone(pool, job)
	if done.Status != types.UserImportJobStatusTypeSucceeded || done.ImportedUsers != 5 || done.FailedUsers != 2 {
		t.Fatalf("resumed job: %s, %d imported, %d failed; want Succeeded, 5 and 2", done.Status, done.ImportedUsers, done.FailedUsers)
	}
	for _, name := range []string{"ann", "bob", "cid", "dan", "eve"} {
		got := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String(name)}))
		if got.UserStatus != types.UserStatusTypeResetRequired {
			t.Fatalf("%s: %s", name, got.UserStatus)
		}
	}
	if _, err := e.store.OpenImportFile(e.ctx, job); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the finished job's file is still kept: %v", err)
	}

	// A job being stopped when its process stopped, lease run out: any
	// process finishes stopping it.
	stopping := e.importJob(pool, "cognito:username\nzed\n")
	held(stopping, "Stopping", time.Now().Add(-time.Second), 0)
	if n := e.svc.TakeUpImportJobs(e.ctx, false); n != 1 {
		t.Fatalf("took up %d jobs whose lease ran out, want 1", n)
	}
	if d := e.importDone(pool, stopping); d.Status != types.UserImportJobStatusTypeStopped || d.ImportedUsers != 0 {
		t.Fatalf("stopping job: %s, %d imported", d.Status, d.ImportedUsers)
	}
	if active, err := e.store.ActiveImportJobs(e.ctx); err != nil || len(active) != 0 {
		t.Fatalf("active jobs left: %d %v", len(active), err)
	}
}

// importJob creates an import job and uploads csv to its pre-signed URL.
func (e *env) importJob(pool, csv string) string {
	e.t.Helper()
	job := must[*cip.CreateUserImportJobOutput](e.t)(e.c.CreateUserImportJob(e.ctx, &cip.CreateUserImportJobInput{UserPoolId: &pool, JobName: aws.String("job"),
		CloudWatchLogsRoleArn: aws.String("arn:aws:iam::123456789012:role/import")})).UserImportJob
	req, _ := http.NewRequest(http.MethodPut, *job.PreSignedUrl, strings.NewReader(csv))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		e.t.Fatalf("upload: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	return *job.JobId
}

// importDone waits for a job to finish and answers it.
func (e *env) importDone(pool, job string) *types.UserImportJobType {
	e.t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		d := must[*cip.DescribeUserImportJobOutput](e.t)(e.c.DescribeUserImportJob(e.ctx, &cip.DescribeUserImportJobInput{UserPoolId: &pool, JobId: &job})).UserImportJob
		switch d.Status {
		case types.UserImportJobStatusTypeSucceeded, types.UserImportJobStatusTypeFailed, types.UserImportJobStatusTypeStopped:
			return d
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("job %s did not finish", job)
	return nil
}
