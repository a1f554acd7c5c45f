//go:build linux && (amd64 || arm64) && !libc.membrk && !libc.memgrind

package sqlstore

import (
	"sync"
	_ "unsafe" // go:linkname

	_ "modernc.org/libc"
	"modernc.org/memory"
)

// The allocator under SQLite (modernc.org/libc's malloc) keeps every 64 KiB
// block it ever freed for reuse, with the first 4 KiB page of each still
// resident: after a batch of imported users loaded through a 128 MiB page
// cache, that was 25 MB the process never gave back. Its Trim hands them to
// the system, but libc does not export it: trimSQLiteMemory reaches it
// through the package's allocator and the mutex libc's malloc holds. A
// version of libc without them fails to link, loudly, rather than
// misbehave.

//go:linkname libcAllocator modernc.org/libc.allocator
var libcAllocator memory.Allocator

//go:linkname libcAllocatorMu modernc.org/libc.allocatorMu
var libcAllocatorMu sync.Mutex

// trimSQLiteMemory returns the blocks SQLite freed to the system.
func trimSQLiteMemory() {
	libcAllocatorMu.Lock()
	_ = libcAllocator.Trim()
	libcAllocatorMu.Unlock()
}
