package e2e

import (
	"encoding/csv"
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
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Schema:                 []types.SchemaAttributeType{{Name: aws.String("team"), AttributeDataType: types.AttributeDataTypeString}}})
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
	// Nothing uploaded yet: the job cannot start, and stays Created.
	_, err = e.c.StartUserImportJob(e.ctx, &cip.StartUserImportJobInput{UserPoolId: &pool, JobId: job.JobId})
	wantErr(t, err, "PreconditionNotMetException", "No csv file was uploaded for "+*job.JobId)
	csv := e.importCSV(pool,
		map[string]string{"cognito:username": "ann", "email": "ann@example.com", "email_verified": "TRUE", "custom:team": "red", "name": "Ann"},
		map[string]string{"cognito:username": "bob", "email": "bob@example.com", "email_verified": "true", "cognito:mfa_enabled": "FALSE"},
		map[string]string{"cognito:username": "existing", "email": "x@example.com"},                                  // skipped: the user exists
		map[string]string{"cognito:username": "", "email": "nobody@example.com"},                                     // no username
		map[string]string{"cognito:username": "cid", "email": "not-an-email"},                                        // not an email
		map[string]string{"cognito:username": "dan", "email": "ann@example.com", "name": "Dan"},                      // ann's email, an alias
		map[string]string{"cognito:username": "eve smith", "email": "eve@example.com"},                               // a name the API refuses
		map[string]string{"cognito:username": "fay", "email": "fay@example.com", "custom:team": "\xff"},              // not UTF-8
		map[string]string{"cognito:username": "gus", "email": "gus@example.com", "email_verified": "false"},          // no auto-verified attribute verified
		map[string]string{"cognito:username": "hal", "email_verified": "true"},                                       // verified, but no email
		map[string]string{"cognito:username": "ida", "email": "ida@example.com", "cognito:mfa_enabled": ""},          // no cognito:mfa_enabled
		map[string]string{"cognito:username": "jon", "email": "jon@example.com", "cognito:mfa_enabled": "sometimes"}, // not a boolean
		map[string]string{"cognito:username": "kim", "email": "kim@example.com", "email_verified": "true", "phone_number": "+15555550101", "cognito:mfa_enabled": "true"},
		map[string]string{"cognito:username": "lou", "email": "lou@example.com", "email_verified": "true", "cognito:mfa_enabled": "true"}, // SMS MFA, no phone number
	)
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
	done := e.importDone(pool, *job.JobId)
	if done.Status != types.UserImportJobStatusTypeSucceeded || done.ImportedUsers != 3 || done.SkippedUsers != 1 || done.FailedUsers != 10 || done.CompletionDate == nil {
		t.Fatalf("finished job: %s, %d imported, %d skipped, %d failed; want Succeeded, 3, 1 and 10", done.Status, done.ImportedUsers, done.SkippedUsers, done.FailedUsers)
	}
	// cognito:mfa_enabled true: SMS MFA active.
	if kim := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kim")})); len(kim.UserMFASettingList) != 1 || kim.UserMFASettingList[0] != "SMS_MFA" {
		t.Fatalf("imported with cognito:mfa_enabled: %v", kim.UserMFASettingList)
	}
	got := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ann")}))
	if got.UserStatus != types.UserStatusTypeResetRequired || attrOf(got.UserAttributes, "custom:team") != "red" || attrOf(got.UserAttributes, "email_verified") != "true" {
		t.Fatalf("imported user: %v %v", got.UserStatus, got.UserAttributes)
	}
	// The verified alias was imported: the user signs in... after resetting.
	if e.attrs(pool, "ann@example.com")["name"] != "Ann" {
		t.Fatal("alias of an imported user")
	}
	// The skipped and failed rows stored nothing: the pool has the user it
	// had, unchanged, and the three imported.
	if all := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool})).Users; len(all) != 4 {
		t.Fatalf("%d users in the pool, want 4", len(all))
	}
	if e.attrs(pool, "existing")["email"] == "x@example.com" {
		t.Fatal("the skipped row changed the user that exists")
	}
	l := must[*cip.ListUserImportJobsOutput](t)(e.c.ListUserImportJobs(e.ctx, &cip.ListUserImportJobsInput{UserPoolId: &pool, MaxResults: aws.Int32(10)}))
	if len(l.UserImportJobs) != 1 {
		t.Fatalf("jobs: %d", len(l.UserImportJobs))
	}
}

// A file whose header is not the pool's whole header, or a pool that no
// row could be imported into, fails the job and imports nothing.
func TestUserImportJobFileRules(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
	full := strings.SplitN(e.importCSV(pool), "\n", 2)[0]
	for _, c := range []struct{ header, want string }{
		{"cognito:username,email,email_verified,cognito:mfa_enabled", "The CSV header lacks 17 of the pool's columns (see GetCSVHeader), among them address."},
		{full + ",custom:nope", "The CSV header has a column that is not an attribute of the user pool: custom:nope."},
		{full + ",email", "The CSV header has the column email twice."},
	} {
		row := strings.Repeat(",", strings.Count(c.header, ","))
		job := e.importJob(pool, c.header+"\n"+strings.Replace(row, ",", "zed,", 1)+"\n")
		must[*cip.StartUserImportJobOutput](t)(e.c.StartUserImportJob(e.ctx, &cip.StartUserImportJobInput{UserPoolId: &pool, JobId: &job}))
		if d := e.importDone(pool, job); d.Status != types.UserImportJobStatusTypeFailed || aws.ToString(d.CompletionMessage) != c.want || d.ImportedUsers+d.FailedUsers != 0 {
			t.Errorf("header %q: %s %q, %d imported, %d failed; want Failed %q", c.header, d.Status, aws.ToString(d.CompletionMessage), d.ImportedUsers, d.FailedUsers, c.want)
		}
	}
	// No auto-verified attribute: no row could be imported.
	plain := e.pool(nil)
	job := e.importJob(plain, e.importCSV(plain, map[string]string{"cognito:username": "zed", "email": "zed@example.com"}))
	must[*cip.StartUserImportJobOutput](t)(e.c.StartUserImportJob(e.ctx, &cip.StartUserImportJobInput{UserPoolId: &plain, JobId: &job}))
	if d := e.importDone(plain, job); d.Status != types.UserImportJobStatusTypeFailed || d.ImportedUsers != 0 ||
		aws.ToString(d.CompletionMessage) != "The user pool has no auto-verified attributes: no user can be imported." {
		t.Fatalf("pool without auto-verified attributes: %s %q, %d imported", d.Status, aws.ToString(d.CompletionMessage), d.ImportedUsers)
	}
	if all := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &plain})).Users; len(all) != 0 {
		t.Fatalf("%d users imported by failed jobs", len(all))
	}
	// A finished job cannot start again (its file is gone, its status says why).
	_, err := e.c.StartUserImportJob(e.ctx, &cip.StartUserImportJobInput{UserPoolId: &plain, JobId: &job})
	wantErr(t, err, "PreconditionNotMetException", "Import job "+job+" cannot be started: its status is Failed.")
}

// An import job whose process stopped is taken up again (by a process that
// owns the storage alone at once, by any other once the holder's lease
// has run out) and goes on after its last committed batch: every row is
// counted once, and the users that batch imported are not imported again.
func TestImportJobTakenUpAfterItsProcessStopped(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
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
	row := func(name, email string) map[string]string {
		return map[string]string{"cognito:username": name, "email": email}
	}
	job := e.importJob(pool, e.importCSV(pool, row("ann", "ann@example.com"), row("bob", "bob@example.com"), row("", "no-username@example.com"),
		row("cid", "cid@example.com"), row("dan", "dan@example.com"), row("ann", "again@example.com"), row("eve", "eve@example.com")))
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
	if done.Status != types.UserImportJobStatusTypeSucceeded || done.ImportedUsers != 5 || done.SkippedUsers != 1 || done.FailedUsers != 1 {
		t.Fatalf("resumed job: %s, %d imported, %d skipped, %d failed; want Succeeded, 5, 1 and 1", done.Status, done.ImportedUsers, done.SkippedUsers, done.FailedUsers)
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
	stopping := e.importJob(pool, e.importCSV(pool, row("zed", "zed@example.com")))
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

// importCSV is an import file with the pool's whole header (GetCSVHeader)
// and a row for each map of column values; cognito:mfa_enabled is false,
// and email_verified true given an email, unless the row says otherwise.
func (e *env) importCSV(pool string, rows ...map[string]string) string {
	e.t.Helper()
	h := must[*cip.GetCSVHeaderOutput](e.t)(e.c.GetCSVHeader(e.ctx, &cip.GetCSVHeaderInput{UserPoolId: &pool})).CSVHeader
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(h)
	rec := make([]string, len(h))
	for _, r := range rows {
		for i, c := range h {
			v, ok := r[c]
			switch {
			case ok:
			case c == "cognito:mfa_enabled":
				v = "false"
			case c == "email_verified" && r["email"] != "":
				v = "true"
			}
			rec[i] = v
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return b.String()
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
