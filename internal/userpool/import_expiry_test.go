package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// A job not started within a day expires, as Cognito's do: it reads
// Expired, cannot be started, takes no upload, and its file is deleted. A
// job started in time is not touched.
func TestImportJobExpires(t *testing.T) {
	ctx := WithRegion(context.Background(), "us-east-1")
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	s, err := New(ctx, st, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	pool, err := s.CreateUserPool(ctx, map[string]json.RawMessage{"PoolName": json.RawMessage(`"p"`)})
	if err != nil {
		t.Fatal(err)
	}
	poolID := pool["UserPool"].(map[string]any)["Id"].(string)
	newJob := func() (id, token string) {
		out, err := s.CreateUserImportJob(ctx, &struct {
			JobName               string
			UserPoolId            string
			CloudWatchLogsRoleArn string
		}{"j", poolID, "arn:aws:iam::123456789012:role/import"})
		if err != nil {
			t.Fatal(err)
		}
		j := out["UserImportJob"].(*UserImportJobType)
		_, token, _ = strings.Cut(j.PreSignedUrl, "token=")
		return j.JobId, token
	}
	status := func(id string) string {
		out, err := s.DescribeUserImportJob(ctx, &JobRef{UserPoolId: poolID, JobId: id})
		if err != nil {
			t.Fatal(err)
		}
		return out["UserImportJob"].(*UserImportJobType).Status
	}
	stale, staleToken := newJob()
	if err := s.AcceptImportFile(ctx, stale, staleToken, strings.NewReader("cognito:username\n")); err != nil {
		t.Fatal(err)
	}
	advance(importJobExpiry - time.Second)
	if got := status(stale); got != "Created" {
		t.Fatalf("a day less a second after: %s", got)
	}
	fresh, freshToken := newJob()
	advance(time.Second)
	if got := status(stale); got != "Expired" {
		t.Fatalf("a day after: %s, want Expired", got)
	}
	if _, err := st.OpenImportFile(ctx, stale); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the expired job's file is kept: %v", err)
	}
	_, err = s.StartUserImportJob(ctx, &JobRef{UserPoolId: poolID, JobId: stale})
	if ae, ok := apierr.As(err); !ok || ae.Code != apierr.PreconditionNotMet || ae.Message != "Import job "+stale+" cannot be started: its status is Expired." {
		t.Fatalf("starting an expired job: %v", err)
	}
	_, err = s.StopUserImportJob(ctx, &JobRef{UserPoolId: poolID, JobId: stale})
	if ae, ok := apierr.As(err); !ok || ae.Message != "Import job "+stale+" cannot be stopped: its status is Expired." {
		t.Fatalf("stopping an expired job: %v", err)
	}
	// The younger job is listed as it is, and still takes its file.
	list, err := s.ListUserImportJobs(ctx, &struct {
		UserPoolId      string
		MaxResults      int
		PaginationToken string
	}{poolID, 10, ""})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, j := range list["UserImportJobs"].([]*UserImportJobType) {
		got[j.JobId] = j.Status
	}
	if got[stale] != "Expired" || got[fresh] != "Created" {
		t.Fatalf("listed: %v", got)
	}
	if err := s.AcceptImportFile(ctx, fresh, freshToken, strings.NewReader("cognito:username\n")); err != nil {
		t.Fatalf("upload to the job still in time: %v", err)
	}
	advance(importJobExpiry)
	if err := s.AcceptImportFile(ctx, fresh, freshToken, strings.NewReader("cognito:username\n")); !errors.Is(err, ErrBadUploadToken) {
		t.Fatalf("upload to an expired job: %v", err)
	}
}
