package bench

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a run.
type Options struct {
	Endpoint    string
	Region      string
	AccessKey   string
	SecretKey   string
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	Users       int
	Scenarios   []string
	// ServerPID is the measured server's process on this machine (0 if
	// unknown): its CPU time per call is reported.
	ServerPID int
}

// Result is one scenario's figures.
type Result struct {
	Scenario string
	Ops      int64
	Errors   int64
	Elapsed  time.Duration
	P50      time.Duration
	P99      time.Duration
	P999     time.Duration
	FirstErr string
	// CPUPerOp is the server's CPU time per call, 0 if not known.
	CPUPerOp time.Duration
}

// OpsPerSec is the throughput.
func (r Result) OpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() }

// scenario prepares state and answers the operation to repeat; op is
// called with the worker number and a per-worker sequence number.
type scenario struct {
	name  string
	setup func(ctx context.Context, c *caller, o Options) (func(ctx context.Context, worker int, seq int64) error, error)
}

// Names lists the scenarios in the order they run.
func Names() []string {
	out := make([]string, len(scenarios))
	for i, s := range scenarios {
		out[i] = s.name
	}
	return out
}

// Run runs the chosen scenarios one after another and writes a table.
func Run(ctx context.Context, o Options, w io.Writer) ([]Result, error) {
	c := newCaller(o.Endpoint, o.Region, o.AccessKey, o.SecretKey, o.Concurrency)
	fmt.Fprintf(w, "endpoint %s, %d connections, %s per scenario (after %s warm-up), %d users per pool\n\n", o.Endpoint, o.Concurrency, o.Duration, o.Warmup, o.Users)
	writeHeader(w)
	var results []Result
	for _, sc := range scenarios {
		if len(o.Scenarios) > 0 && !containsFold(o.Scenarios, sc.name) {
			continue
		}
		op, err := sc.setup(ctx, c, o)
		if err != nil {
			fmt.Fprintf(w, "%-28s setup failed: %v\n", sc.name, err)
			continue
		}
		r := measure(ctx, o, sc.name, op)
		results = append(results, r)
		writeRow(w, r)
	}
	return results, nil
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// measure warms op up, then drives it for the measured time and, when the
// server's process is known, charges the server's CPU time to the calls.
func measure(ctx context.Context, o Options, name string, op func(context.Context, int, int64) error) Result {
	if o.Warmup > 0 {
		drive(ctx, op, o.Concurrency, o.Warmup)
	}
	before, known := processCPU(o.ServerPID)
	r := drive(ctx, op, o.Concurrency, o.Duration)
	r.Scenario = name
	if after, ok := processCPU(o.ServerPID); known && ok && r.Ops > 0 {
		r.CPUPerOp = (after - before) / time.Duration(r.Ops)
	}
	return r
}

// drive runs op on n workers for d and measures every call.
func drive(ctx context.Context, op func(context.Context, int, int64) error, n int, d time.Duration) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for seq := int64(0); ctx.Err() == nil; seq++ {
				t0 := time.Now()
				err := op(ctx, w, seq)
				if ctx.Err() != nil {
					return // cut off by the deadline: not counted
				}
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		i := int(p * float64(len(all)-1))
		return all[i]
	}
	r := Result{Ops: int64(len(all)), Errors: errs.Load(), Elapsed: elapsed, P50: pct(0.50), P99: pct(0.99), P999: pct(0.999)}
	if v := firstErr.Load(); v != nil {
		r.FirstErr = v.(string)
	}
	return r
}

// writeHeader writes the column names of writeRow's lines.
func writeHeader(w io.Writer) {
	fmt.Fprintf(w, "%-28s %10s %9s %9s %9s %8s %12s\n", "scenario", "ops/s", "p50", "p99", "p99.9", "errors", "server CPU")
}

// writeRow writes one scenario's line of the report, and its first error
// if it had any.
func writeRow(w io.Writer, r Result) {
	cpu := "-"
	if r.CPUPerOp > 0 {
		cpu = fmt.Sprintf("%dus/op", r.CPUPerOp.Microseconds())
	}
	fmt.Fprintf(w, "%-28s %10.0f %9s %9s %9s %8d %12s\n", r.Scenario, r.OpsPerSec(), ms(r.P50), ms(r.P99), ms(r.P999), r.Errors, cpu)
	if r.FirstErr != "" {
		fmt.Fprintf(w, "%-28s first error: %s\n", "", r.FirstErr)
	}
}
