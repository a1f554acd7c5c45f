package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/app"
	"github.com/cognitod/cognitod/internal/config"
)

// Every scenario runs against a real cognitod without an error, and the
// report has a row with figures for each.
func TestScenariosAgainstCognitod(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it")
	}
	ctx := context.Background()
	cfg := config.Defaults()
	cfg.DataDir = t.TempDir()
	url, stop, err := app.StartLocal(ctx, cfg, app.Credentials{AccessKeyID: "AKIDBENCHTEST", SecretAccessKey: "bench-test-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var out bytes.Buffer
	var results []Result
	for _, name := range Names() {
		// Chosen passwords are hashed slowly on purpose, far more slowly
		// under the race detector: give that scenario time for some calls.
		d := 500 * time.Millisecond
		if strings.Contains(name, "password") {
			d = 5 * time.Second
		}
		// The server runs in this process: its CPU time is this process's.
		r, err := Run(ctx, Options{Endpoint: url, Region: "us-east-1", AccessKey: "AKIDBENCHTEST", SecretKey: "bench-test-secret",
			Concurrency: 4, Duration: d, Users: 10, Scenarios: []string{name}, ServerPID: os.Getpid()}, &out)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, r...)
	}
	if len(results) != len(scenarios) {
		t.Fatalf("%d results for %d scenarios:\n%s", len(results), len(scenarios), out.String())
	}
	for _, r := range results {
		if r.Ops == 0 || r.Errors != 0 || r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("%s: %d ops, %d errors (%s), p50 %v p99 %v", r.Scenario, r.Ops, r.Errors, r.FirstErr, r.P50, r.P99)
		}
		if !strings.Contains(out.String(), r.Scenario) {
			t.Errorf("report has no row for %s", r.Scenario)
		}
		if _, procfs := processCPU(os.Getpid()); procfs && (r.CPUPerOp <= 0 || !strings.Contains(out.String(), fmt.Sprintf("%dus/op", r.CPUPerOp.Microseconds()))) {
			t.Errorf("%s: server CPU per call %v, report:\n%s", r.Scenario, r.CPUPerOp, out.String())
		}
	}

	// A wrong secret is refused by the server, and the run says so.
	out.Reset()
	bad, _ := Run(ctx, Options{Endpoint: url, Region: "us-east-1", AccessKey: "AKIDBENCHTEST", SecretKey: "wrong",
		Concurrency: 1, Duration: 50 * time.Millisecond, Users: 1, Scenarios: []string{"AdminGetUser"}}, &out)
	if len(bad) != 0 || !strings.Contains(out.String(), "InvalidSignatureException") {
		t.Fatalf("run with a wrong secret: %v\n%s", bad, out.String())
	}
}

// processCPU reads what the kernel counts: it grows with work done, and a
// process that does not exist has none.
func TestProcessCPU(t *testing.T) {
	before, ok := processCPU(os.Getpid())
	if !ok {
		t.Skip("no /proc here")
	}
	// Spin until the count has grown by 50 ms: on a loaded machine that
	// takes longer than 50 ms, but not ten seconds.
	for start := time.Now(); ; {
		after, _ := processCPU(os.Getpid())
		if after-before >= 50*time.Millisecond {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("10 s of spinning counted as %v", after-before)
		}
	}
	if _, ok := processCPU(1 << 30); ok {
		t.Fatal("CPU time of a process that does not exist")
	}
}
