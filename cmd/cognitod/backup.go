package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cognitod/cognitod/internal/app"
	"github.com/cognitod/cognitod/internal/config"
)

// runBackup is `cognitod backup --to DIR [--data-dir DIR] [--data-key-file
// FILE] [--config FILE]`: a copy of a SQLite data directory, taken while
// cognitod runs, that `cognitod --data-dir DIR` serves as it is.
func runBackup(ctx context.Context, args []string, getenv func(string) string) (string, error) {
	var to string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--to" || a == "-to":
			if i+1 == len(args) {
				return "", errors.New("--to needs a directory")
			}
			to = args[i+1]
			i++
		case strings.HasPrefix(a, "--to=") || strings.HasPrefix(a, "-to="):
			to = a[strings.Index(a, "=")+1:]
		default:
			rest = append(rest, a)
		}
	}
	if to == "" {
		return "", errors.New("usage: cognitod backup --to NEW-DIR [--data-dir DIR] [--data-key-file FILE] [--config FILE]")
	}
	cfg, err := config.Load(rest, getenv)
	if err != nil {
		return "", err
	}
	if err := app.Backup(ctx, cfg, to); err != nil {
		return "", err
	}
	return fmt.Sprintf("backed up %s to %s: serve it with cognitod --data-dir %s", cfg.DataDir, to, to), nil
}
