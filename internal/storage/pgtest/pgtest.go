// Package pgtest gives tests a fresh PostgreSQL schema on the server named
// by COGNITOD_TEST_POSTGRES_DSN (scripts/test.sh starts one and sets it).
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// DSN answers a DSN for a fresh, empty schema of the test server
// named by COGNITOD_TEST_POSTGRES_DSN (dropped when the test ends). CI always
// sets it; elsewhere the PostgreSQL tests are skipped.
func DSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("COGNITOD_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("COGNITOD_TEST_POSTGRES_DSN is not set (scripts/test.sh sets it)")
		}
		t.Skip("COGNITOD_TEST_POSTGRES_DSN is not set")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}
