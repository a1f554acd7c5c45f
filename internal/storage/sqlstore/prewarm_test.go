//go:build linux

package sqlstore

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentFraction answers how much of the file at path is in the page cache.
func residentFraction(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	page := os.Getpagesize()
	vec := make([]byte, (len(m)+page-1)/page)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	in := 0
	for _, v := range vec {
		in += int(v & 1)
	}
	return float64(in) / float64(len(vec))
}

// coldFile writes size random bytes to a file and drops them from the page
// cache.
func coldFile(t *testing.T, size int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cognitod.db")
	b := make([]byte, size)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	dropFromCache(t, path)
	return path
}

// dropFromCache writes the file at path back and advises the kernel to drop
// it from the page cache; it skips the test where the kernel keeps it anyway.
func dropFromCache(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if r := residentFraction(t, path); r > 0.5 {
		t.Skipf("the kernel kept %.0f%% of a file advised away; cannot start cold", r*100)
	}
}

// waitResident waits (the kernel reads asynchronously) until the file at
// path is in the page cache, and fails the test after 10 s.
func waitResident(t *testing.T, path, after string) {
	t.Helper()
	var r float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r = residentFraction(t, path); r >= 0.99 {
			return
		}
	}
	t.Fatalf("%.1f%% of the file in the page cache after %s", r*100, after)
}

func TestPrewarmFileFillsThePageCache(t *testing.T) {
	const size = 200*prewarmChunk + 12345 // a partial last chunk
	path := coldFile(t, size)
	asked, err := prewarmFile(path, make(chan struct{}))
	if err != nil {
		t.Fatal(err)
	}
	if avail, ok := memAvailable(); !ok || avail/2 < size {
		t.Skipf("MemAvailable %d: the file is larger than the prewarm limit", avail)
	}
	if asked != size {
		t.Fatalf("asked for %d bytes, want %d", asked, size)
	}
	waitResident(t, path, "prewarming")
}

func TestPrewarmStops(t *testing.T) {
	path := coldFile(t, 20*prewarmChunk)
	stop := make(chan struct{})
	close(stop)
	asked, err := prewarmFile(path, stop)
	if err != nil || asked != 0 {
		t.Fatalf("stopped prewarm asked for %d bytes (%v), want 0", asked, err)
	}
	if r := residentFraction(t, path); r > 0.5 {
		t.Fatalf("%.0f%% of the file in the page cache after a stopped prewarm", r*100)
	}
}

func TestMemAvailable(t *testing.T) {
	avail, ok := memAvailable()
	if !ok || avail <= 0 {
		t.Fatalf("memAvailable = %d, %v", avail, ok)
	}
}

func TestOpenSQLitePrewarmsTheDatabase(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cognitod.db")
	dropFromCache(t, path)
	s, err = OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitResident(t, path, "opening the database")
}
