package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// buildBinary builds cmd/cognitod once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cognitod")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/cognitod")
	cmd.Dir = filepath.Join("..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startBinary starts cognitod and waits until /readyz answers; it returns the
// process and the first line it printed.
func startBinary(t *testing.T, bin, addr, dataDir string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "--addr", addr, "--data-dir", dataDir)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				var banner []string
				for l := range lines {
					banner = append(banner, l)
					if strings.HasPrefix(l, "  try:") {
						break
					}
				}
				return cmd, strings.Join(banner, "\n")
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatal("cognitod did not become ready")
	return nil, ""
}

// killNineAndRestart kills cognitod with SIGKILL and starts it again on
// the same data directory; the new process is stopped when the test ends.
func killNineAndRestart(t *testing.T, cmd *exec.Cmd, bin, addr, dir string, env ...string) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	again, _ := startBinary(t, bin, addr, dir, env...)
	t.Cleanup(func() {
		_ = again.Process.Signal(syscall.SIGTERM)
		_ = again.Wait()
	})
}

func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	keys := []string{"COGNITOD_ACCESS_KEY_ID=" + testKeyID, "COGNITOD_SECRET_ACCESS_KEY=" + testSecret}
	cmd, banner := startBinary(t, bin, addr, dir, keys...)
	if !strings.Contains(banner, "http://"+addr) || !strings.Contains(banner, testKeyID) || !strings.Contains(banner, filepath.Join(dir, "cognitod.db")) {
		t.Fatalf("banner lacks endpoint, data location or key:\n%s", banner)
	}
	ctx := context.Background()
	c := client("http://"+addr, "us-east-1", testKeyID, testSecret)
	pool := *must[*cip.CreateUserPoolOutput](t)(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("durable")})).UserPool.Id
	must[*cip.AdminCreateUserOutput](t)(c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("alice")}))
	must[*cip.CreateIdentityProviderOutput](t)(c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Google"),
		ProviderType: types.IdentityProviderTypeTypeGoogle, ProviderDetails: map[string]string{"client_id": "c", "client_secret": "s", "authorize_scopes": "openid"}}))
	for i := 0; i < 20; i++ {
		must[*cip.AdminLinkProviderForUserOutput](t)(c.AdminLinkProviderForUser(ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: &pool,
			DestinationUser: pui("Cognito", "", "alice"), SourceUser: pui("Google", "Cognito_Subject", fmt.Sprint("g", i))}))
		if i < 19 {
			must[*cip.AdminDisableProviderForUserOutput](t)(c.AdminDisableProviderForUser(ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: &pool,
				User: pui("Google", "Cognito_Subject", fmt.Sprint("g", i))}))
		}
	}
	killNineAndRestart(t, cmd, bin, addr, dir, keys...)
	got := must[*cip.AdminGetUserOutput](t)(c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("alice")}))
	ids := attrOf(got.UserAttributes, "identities")
	if !strings.Contains(ids, `"userId":"g19"`) || strings.Contains(ids, `"userId":"g18"`) {
		t.Fatalf("after kill -9, identities = %s", ids)
	}
}

func TestGeneratedKeyPairKeptAndGracefulStop(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	cmd, banner := startBinary(t, bin, addr, dir, "COGNITOD_ACCESS_KEY_ID=", "COGNITOD_SECRET_ACCESS_KEY=")
	var key, secret string
	for _, f := range strings.Fields(banner) {
		if v, ok := strings.CutPrefix(f, "AWS_ACCESS_KEY_ID="); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(f, "AWS_SECRET_ACCESS_KEY="); ok {
			secret = v
		}
	}
	if key == "" || secret == "" {
		t.Fatalf("no key pair in banner:\n%s", banner)
	}
	c := client("http://"+addr, "us-east-1", key, secret)
	must[*cip.CreateUserPoolOutput](t)(c.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("p")}))
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM exit: %v", err)
	}
	// A clean stop checkpoints everything into the database file: the next
	// start-up has no write-ahead log to read.
	for _, suffix := range []string{"-wal", "-shm"} {
		if fi, err := os.Stat(filepath.Join(dir, "cognitod.db"+suffix)); err == nil && fi.Size() > 0 {
			t.Fatalf("a clean stop left cognitod.db%s of %d bytes", suffix, fi.Size())
		}
	}
	cmd2, banner2 := startBinary(t, bin, addr, dir)
	defer func() { _ = cmd2.Process.Signal(syscall.SIGTERM); _ = cmd2.Wait() }()
	if !strings.Contains(banner2, key) {
		t.Fatal("generated key pair not kept across restart")
	}
	l := must[*cip.ListUserPoolsOutput](t)(c.ListUserPools(context.Background(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}))
	if len(l.UserPools) != 1 {
		t.Fatalf("pools after restart: %d", len(l.UserPools))
	}
	if fi, err := os.Stat(filepath.Join(dir, "credentials.json")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", fi, err)
	}
}

// kill -9 in the middle of an import job: the restarted process takes the
// job up after its last committed batch and imports every row exactly once.
func TestKillNineDuringImportJob(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	keys := []string{"COGNITOD_ACCESS_KEY_ID=" + testKeyID, "COGNITOD_SECRET_ACCESS_KEY=" + testSecret}
	cmd, _ := startBinary(t, bin, addr, dir, keys...)
	e := &env{t: t, ctx: context.Background(), url: "http://" + addr, c: client("http://"+addr, "us-east-1", testKeyID, testSecret)}
	pool := *must[*cip.CreateUserPoolOutput](t)(e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("imports"),
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})).UserPool.Id
	const rows = 150000 // three batches
	users := make([]map[string]string, rows)
	for i := range users {
		users[i] = map[string]string{"cognito:username": fmt.Sprintf("u%06d", i), "email": fmt.Sprintf("u%06d@example.com", i)}
	}
	job := e.importJob(pool, e.importCSV(pool, users...))
	must[*cip.StartUserImportJobOutput](t)(e.c.StartUserImportJob(e.ctx, &cip.StartUserImportJobInput{UserPoolId: &pool, JobId: &job}))
	for {
		d := must[*cip.DescribeUserImportJobOutput](t)(e.c.DescribeUserImportJob(e.ctx, &cip.DescribeUserImportJobInput{UserPoolId: &pool, JobId: &job})).UserImportJob
		if d.Status != types.UserImportJobStatusTypeInProgress && d.Status != types.UserImportJobStatusTypePending {
			t.Fatalf("job %s before it could be interrupted", d.Status)
		}
		if d.ImportedUsers > 0 {
			break // one batch committed, the next one under way
		}
		time.Sleep(5 * time.Millisecond)
	}
	killNineAndRestart(t, cmd, bin, addr, dir, keys...)
	d := e.importDone(pool, job)
	if d.Status != types.UserImportJobStatusTypeSucceeded || d.ImportedUsers != rows || d.FailedUsers != 0 {
		t.Fatalf("after kill -9 and restart: %s, %d imported, %d failed (%s)", d.Status, d.ImportedUsers, d.FailedUsers, aws.ToString(d.CompletionMessage))
	}
	for _, name := range []string{"u000000", "u074999", "u075000", "u149999"} {
		got := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String(name)}))
		if got.UserStatus != types.UserStatusTypeResetRequired {
			t.Fatalf("%s: %s", name, got.UserStatus)
		}
	}
}
