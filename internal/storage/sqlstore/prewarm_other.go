//go:build !linux

package sqlstore

// prewarmFile does nothing where the kernel's read-ahead advice is not
// known to work the same way; the cache warms as the file is read.
func prewarmFile(string, <-chan struct{}) (int64, error) { return 0, nil }
