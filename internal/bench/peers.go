package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Peer is another Cognito-compatible server started for a comparison.
type Peer struct {
	Name     string
	Endpoint string
	PID      int // its process, whose CPU time the report charges to its calls
	stop     func()
}

// Stop ends the peer's process.
func (p *Peer) Stop() {
	if p.stop != nil {
		p.stop()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(name string, cmd *exec.Cmd, endpoint string) (*Peer, error) {
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	for i := 0; i < 300; i++ {
		resp, err := http.Post(endpoint+"/", "application/x-amz-json-1.1", nil)
		if err == nil {
			resp.Body.Close()
			return &Peer{Name: name, Endpoint: endpoint, PID: cmd.Process.Pid, stop: stop}, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("%s did not start", name)
}

// StartMoto runs `python3 -m moto.server` on a free loopback port.
func StartMoto() (*Peer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	return start("moto", cmd, fmt.Sprintf("http://127.0.0.1:%d", port))
}

// StartCognitoLocal installs the npm package cognito-local into dir (once)
// and runs it on a free loopback port.
func StartCognitoLocal(dir string) (*Peer, error) {
	bin := filepath.Join(dir, "node_modules", "cognito-local", "lib", "bin", "start.js")
	if _, err := os.Stat(bin); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		install := exec.Command("npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", dir, "cognito-local")
		if out, err := install.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("npm install cognito-local: %v: %s", err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "cognito-local-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", bin)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST=127.0.0.1", "DEBUG=")
	p, err := start("cognito-local", cmd, fmt.Sprintf("http://127.0.0.1:%d", port))
	if err != nil {
		os.RemoveAll(work)
		return nil, err
	}
	stop := p.stop
	p.stop = func() { stop(); os.RemoveAll(work) }
	return p, nil
}

// Compare runs the scenarios on cognitod and each peer in one run and
// prints every table, then cognitod's throughput as a ratio of each peer's.
func Compare(ctx context.Context, o Options, peers []*Peer, w io.Writer) error {
	own, err := Run(ctx, o, w)
	if err != nil {
		return err
	}
	theirs := map[string][]Result{}
	for _, p := range peers {
		po := o
		po.Endpoint, po.ServerPID = p.Endpoint, p.PID
		fmt.Fprintf(w, "\n%s:\n", p.Name)
		r, err := Run(ctx, po, w)
		if err != nil {
			return err
		}
		theirs[p.Name] = r
	}
	writeRatios(w, "cognitod throughput / peer throughput (scenarios the peer answers without errors):", own, peers, theirs,
		func(mine, theirs Result) (float64, bool) { return mine.OpsPerSec() / theirs.OpsPerSec(), true })
	if o.ServerPID > 0 {
		writeRatios(w, "peer server CPU per call / cognitod's:", own, peers, theirs, func(mine, theirs Result) (float64, bool) {
			return float64(theirs.CPUPerOp) / float64(mine.CPUPerOp), mine.CPUPerOp > 0 && theirs.CPUPerOp > 0
		})
	}
	return nil
}

// writeRatios writes a table of ratio(cognitod's result, the peer's) per
// scenario and peer, for the scenarios the peer answers without errors.
func writeRatios(w io.Writer, title string, own []Result, peers []*Peer, theirs map[string][]Result, ratio func(mine, theirs Result) (float64, bool)) {
	fmt.Fprintf(w, "\n%s\n%-28s", title, "scenario")
	for _, p := range peers {
		fmt.Fprintf(w, " %14s", p.Name)
	}
	fmt.Fprintln(w)
	for _, mine := range own {
		fmt.Fprintf(w, "%-28s", mine.Scenario)
		for _, p := range peers {
			cell := "unsupported"
			for _, r := range theirs[p.Name] {
				if r.Scenario == mine.Scenario && r.Ops > 0 && r.Errors < r.Ops/2 {
					cell = "-"
					if x, ok := ratio(mine, r); ok {
						cell = fmt.Sprintf("%.1fx", x)
					}
				}
			}
			fmt.Fprintf(w, " %14s", cell)
		}
		fmt.Fprintln(w)
	}
}
