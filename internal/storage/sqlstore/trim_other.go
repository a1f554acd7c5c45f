//go:build !(linux && (amd64 || arm64)) || libc.membrk || libc.memgrind

package sqlstore

// trimSQLiteMemory does nothing where the allocator under SQLite is not the
// one trim_linux.go knows.
func trimSQLiteMemory() {}
