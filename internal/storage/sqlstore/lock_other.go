//go:build !unix

package sqlstore

// lockDataDir does not lock where flock is missing: run one cognitod
// process per data directory there.
func lockDataDir(string) (func(), error) { return func() {}, nil }
