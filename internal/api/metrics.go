package api

import (
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Metrics counts API calls by operation and outcome, with a latency
// histogram, for /metrics in the Prometheus text format.
type Metrics struct {
	mu     sync.Mutex
	counts map[[2]string]uint64
	hist   map[string]*histogram
}

var buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

// NewMetrics makes an empty set of metrics.
func NewMetrics() *Metrics {
	return &Metrics{counts: map[[2]string]uint64{}, hist: map[string]*histogram{}}
}

func (m *Metrics) observe(op, code string, d time.Duration) {
	if op == "" {
		op = "unknown"
	}
	if code == "" {
		code = "ok"
	}
	secs := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[[2]string{op, code}]++
	h := m.hist[op]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.hist[op] = h
	}
	for i, b := range buckets {
		if secs <= b {
			h.counts[i]++
		}
	}
	h.sum += secs
	h.n++
}

// WriteTo writes the metrics in the Prometheus text format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	p := func(format string, args ...any) {
		k, _ := fmt.Fprintf(w, format, args...)
		n += int64(k)
	}
	p("# HELP cognitod_requests_total API calls by operation and outcome.\n# TYPE cognitod_requests_total counter\n")
	keys := make([][2]string, 0, len(m.counts))
	for k := range m.counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		p("cognitod_requests_total{operation=%q,outcome=%q} %d\n", k[0], k[1], m.counts[k])
	}
	p("# HELP cognitod_request_duration_seconds API call latency.\n# TYPE cognitod_request_duration_seconds histogram\n")
	ops := make([]string, 0, len(m.hist))
	for op := range m.hist {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		h := m.hist[op]
		for i, b := range buckets {
			p("cognitod_request_duration_seconds_bucket{operation=%q,le=\"%g\"} %d\n", op, b, h.counts[i])
		}
		p("cognitod_request_duration_seconds_bucket{operation=%q,le=\"+Inf\"} %d\n", op, h.n)
		p("cognitod_request_duration_seconds_sum{operation=%q} %g\n", op, h.sum)
		p("cognitod_request_duration_seconds_count{operation=%q} %d\n", op, h.n)
	}
	return n, nil
}
