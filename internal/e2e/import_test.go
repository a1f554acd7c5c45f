package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
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
		"dan,ann@example.com,true,,Dan\n"
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
	if done == nil || done.Status != types.UserImportJobStatusTypeSucceeded || done.ImportedUsers != 2 || done.FailedUsers != 4 || done.CompletionDate == nil {
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
	l := must[*cip.ListUserImportJobsOutput](t)(e.c.ListUserImportJobs(e.ctx, &cip.ListUserImportJobsInput{UserPoolId: &pool, MaxResults: aws.Int32(10)}))
	if len(l.UserImportJobs) != 1 {
		t.Fatalf("jobs: %d", len(l.UserImportJobs))
	}
}
