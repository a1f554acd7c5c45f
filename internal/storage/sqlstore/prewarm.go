package sqlstore

// prewarmChunk is how much of the file one read-ahead request covers.
// Linux reads at most the device's read-ahead window (read_ahead_kb, 128 KiB
// by default) or its largest request per request, whichever is larger, and
// silently drops the rest: asking for more at a time would leave holes.
const prewarmChunk = 128 << 10

// prewarmWindow is how much read-ahead may be queued at once: the server's
// own reads queue behind it, so about 20 ms of this disk at most. Asking
// for a whole 800 MB file at once held /readyz up for two seconds.
const prewarmWindow = 8 << 20

// prewarmer reads the database file into the operating system's page cache
// after start-up, in the background (see prewarmFile).
type prewarmer struct {
	stop chan struct{}
	done chan struct{}
}

// startPrewarm warms path in the background until it is done or stopped.
func startPrewarm(path string) *prewarmer {
	p := &prewarmer{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		_, _ = prewarmFile(path, p.stop)
	}()
	return p
}

// close stops the read-ahead and waits for it.
func (p *prewarmer) close() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}
