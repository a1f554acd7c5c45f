// Package bench is cognitod's load generator (`cognitod bench`): it sends
// SigV4-signed AWS JSON 1.1 calls to any cognito-idp endpoint with a given
// concurrency and duration, and prints throughput and latency percentiles
// per scenario. Without an endpoint it starts cognitod in-process on a
// temporary SQLite database (the default, durable storage).
package bench
