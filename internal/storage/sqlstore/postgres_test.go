package sqlstore

import (
	"context"
	"testing"

	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/storage/conformance"
	"github.com/cognitod/cognitod/internal/storage/pgtest"
)

func TestConformancePostgres(t *testing.T) {
	conformance.Run(t, func(t *testing.T) storage.Storage {
		s, err := OpenPostgres(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
