package bench

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// ImportResult is the figures of one bulk import.
type ImportResult struct {
	Pool     string
	Users    int
	Imported int64
	Failed   int64
	Elapsed  time.Duration
}

// Import creates a pool, uploads a CSV of n users to an import job, runs it
// and waits for it: the whole path a user takes, timed from the upload.
func Import(ctx context.Context, o Options, n int, w io.Writer) (*ImportResult, error) {
	c := newCaller(o.Endpoint, o.Region, o.AccessKey, o.SecretKey, 4)
	var pool struct{ UserPool struct{ Id string } }
	// Cognito imports a row only if it verifies one of the pool's
	// auto-verified attributes.
	if err := c.call(ctx, "CreateUserPool", map[string]any{"PoolName": fmt.Sprint("import-", runID), "AutoVerifiedAttributes": []string{"email"}}, &pool, true); err != nil {
		return nil, err
	}
	// The file has every column of the pool's header, as Cognito requires.
	var header struct{ CSVHeader []string }
	if err := c.call(ctx, "GetCSVHeader", map[string]any{"UserPoolId": pool.UserPool.Id}, &header, true); err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header.CSVHeader {
		col[h] = i
	}
	var job struct {
		UserImportJob struct{ JobId, PreSignedUrl string }
	}
	if err := c.call(ctx, "CreateUserImportJob", map[string]any{"UserPoolId": pool.UserPool.Id, "JobName": "bench",
		"CloudWatchLogsRoleArn": "arn:aws:iam::123456789012:role/import"}, &job, true); err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		cw := csv.NewWriter(bw)
		_ = cw.Write(header.CSVHeader)
		rec := make([]string, len(header.CSVHeader))
		rec[col["email_verified"]], rec[col["cognito:mfa_enabled"]] = "true", "false"
		for i := 0; i < n; i++ {
			rec[col["cognito:username"]], rec[col["email"]] = fmt.Sprintf("user%07d", i), fmt.Sprintf("user%07d@example.com", i)
			rec[col["name"]], rec[col["given_name"]] = fmt.Sprintf("User %d", i), fmt.Sprintf("U%d", i)
			_ = cw.Write(rec)
		}
		cw.Flush()
		err := cw.Error()
		if err == nil {
			err = bw.Flush()
		}
		_ = pw.CloseWithError(err)
	}()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, job.UserImportJob.PreSignedUrl, pr)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("upload: HTTP %d", resp.StatusCode)
	}
	ref := map[string]any{"UserPoolId": pool.UserPool.Id, "JobId": job.UserImportJob.JobId}
	if err := c.call(ctx, "StartUserImportJob", ref, nil, true); err != nil {
		return nil, err
	}
	for {
		var d struct {
			UserImportJob struct {
				Status                     string
				ImportedUsers, FailedUsers int64
				CompletionMessage          string
			}
		}
		if err := c.call(ctx, "DescribeUserImportJob", ref, &d, true); err != nil {
			return nil, err
		}
		switch d.UserImportJob.Status {
		case "Succeeded", "Failed", "Stopped":
			r := &ImportResult{Pool: pool.UserPool.Id, Users: n, Imported: d.UserImportJob.ImportedUsers, Failed: d.UserImportJob.FailedUsers, Elapsed: time.Since(start)}
			fmt.Fprintf(w, "import of %d users into %s: %s in %.1fs (%.0f users/s), %d imported, %d failed\n", n, pool.UserPool.Id, d.UserImportJob.Status,
				r.Elapsed.Seconds(), float64(r.Imported)/r.Elapsed.Seconds(), r.Imported, r.Failed)
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// BigPool measures AdminGetUser and ListUsers by email on an imported pool.
func BigPool(ctx context.Context, o Options, pool string, n int, w io.Writer) {
	c := newCaller(o.Endpoint, o.Region, o.AccessKey, o.SecretKey, o.Concurrency)
	get := func(ctx context.Context, _ int, _ int64) error {
		return c.call(ctx, "AdminGetUser", map[string]any{"UserPoolId": pool, "Username": fmt.Sprintf("user%07d", rand.IntN(n))}, nil, true)
	}
	list := func(ctx context.Context, _ int, _ int64) error {
		var out struct{ Users []json.RawMessage } // counted, not decoded
		i := rand.IntN(n)
		if err := c.call(ctx, "ListUsers", map[string]any{"UserPoolId": pool, "Filter": fmt.Sprintf(`email = "user%07d@example.com"`, i)}, &out, true); err != nil {
			return err
		}
		if len(out.Users) != 1 {
			return fmt.Errorf("ListUsers found %d users", len(out.Users))
		}
		return nil
	}
	fmt.Fprintf(w, "\npool of %d users:\n", n)
	writeHeader(w)
	for _, sc := range []struct {
		name string
		op   func(context.Context, int, int64) error
	}{{"AdminGetUser", get}, {"ListUsers email filter", list}} {
		writeRow(w, measure(ctx, o, sc.name, sc.op))
	}
}
