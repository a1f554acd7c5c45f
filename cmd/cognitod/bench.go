package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/app"
	"github.com/cognitod/cognitod/internal/bench"
	"github.com/cognitod/cognitod/internal/config"
)

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cognitod bench", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "cognito-idp endpoint to measure; empty starts cognitod in-process on a temporary SQLite database")
	region := fs.String("region", "us-east-1", "region to sign for")
	conc := fs.Int("concurrency", 32, "concurrent connections")
	dur := fs.Duration("duration", 10*time.Second, "measured time per scenario")
	warm := fs.Duration("warmup", 2*time.Second, "unmeasured time per scenario before measuring")
	users := fs.Int("users", 1000, "users per pool")
	peers := fs.Bool("peers", false, "also run the scenarios against moto (python3 -m moto.server) and cognito-local (npm), started here, and print ratios")
	bigPool := fs.String("pool", "", "with --import N: measure this existing pool of N imported users instead of importing again")
	importN := fs.Int("import", 0, "instead of the scenarios: bulk-import this many users, then measure AdminGetUser and ListUsers on that pool")
	cpuProfile := fs.String("cpuprofile", "", "write the load generator's own CPU profile to this file")
	serverPID := fs.Int("server-pid", 0, "process id of the server at --endpoint, on this machine: the report adds its CPU time per call (Linux)")
	only := fs.String("scenarios", "", "comma-separated scenarios (default all): "+strings.Join(bench.Names(), ", "))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	key, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	url := *endpoint
	if url == "" {
		dir, err := os.MkdirTemp("", "cognitod-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg := config.Defaults()
		cfg.DataDir = dir
		key, secret = "AKIDBENCH", "bench-secret"
		var stop func()
		url, stop, err = app.StartLocal(ctx, cfg, app.Credentials{AccessKeyID: key, SecretAccessKey: secret})
		if err != nil {
			return err
		}
		defer stop()
		fmt.Printf("in-process cognitod, SQLite file storage in %s\n", dir)
	}
	if key == "" {
		key, secret = "test", "test"
	}
	var list []string
	if *only != "" {
		for _, s := range strings.Split(*only, ",") {
			list = append(list, strings.TrimSpace(s))
		}
	}
	o := bench.Options{Endpoint: url, Region: *region, AccessKey: key, SecretKey: secret,
		Concurrency: *conc, Duration: *dur, Warmup: *warm, Users: *users, Scenarios: list, ServerPID: *serverPID}
	if *importN > 0 && *bigPool != "" {
		bench.BigPool(ctx, o, *bigPool, *importN, os.Stdout)
		return nil
	}
	if *importN > 0 {
		r, err := bench.Import(ctx, o, *importN, os.Stdout)
		if err != nil {
			return err
		}
		bench.BigPool(ctx, o, r.Pool, *importN, os.Stdout)
		return nil
	}
	if *peers {
		var started []*bench.Peer
		if p, err := bench.StartMoto(); err != nil {
			fmt.Fprintln(os.Stderr, "moto not started:", err)
		} else {
			started = append(started, p)
		}
		if p, err := bench.StartCognitoLocal(filepath.Join(os.TempDir(), "cognitod-bench-peers")); err != nil {
			fmt.Fprintln(os.Stderr, "cognito-local not started:", err)
		} else {
			started = append(started, p)
		}
		defer func() {
			for _, p := range started {
				p.Stop()
			}
		}()
		return bench.Compare(ctx, o, started, os.Stdout)
	}
	_, err := bench.Run(ctx, o, os.Stdout)
	return err
}
