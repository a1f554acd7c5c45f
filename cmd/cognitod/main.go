// Command cognitod serves the Amazon Cognito user pools API (cognito-idp).
//
//	cognitod [flags]        run the server (see --help)
//	cognitod bench [flags]  measure an endpoint (or an in-process cognitod)
//	cognitod backup --to DIR [flags]  copy a SQLite data directory, while cognitod runs
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/cognitod/cognitod/internal/app"
	"github.com/cognitod/cognitod/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		if err := runBench(ctx, os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "cognitod bench:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "backup" {
		msg, err := runBackup(ctx, os.Args[2:], os.Getenv)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cognitod backup:", err)
			os.Exit(1)
		}
		fmt.Println(msg)
		return
	}
	cfg, err := config.Load(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cognitod:", err)
		os.Exit(2)
	}
	tuneGC(os.Getenv)
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := app.Run(ctx, cfg, os.Stdout, log); err != nil {
		fmt.Fprintln(os.Stderr, "cognitod:", err)
		os.Exit(1)
	}
}

// tuneGC lets the heap grow to 2.5 times what is live before collecting
// (Go's default is twice): cognitod's live heap is small, and each request
// allocates, so collections rather than work would otherwise take a tenth
// of the CPU under load. A soft limit of 128 MiB makes the collector work
// harder instead when the heap nears it, so that resident memory stays
// small. GOGC and GOMEMLIMIT, when set, win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(150)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
}
