package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("addr: 127.0.0.1:7000\nregion: eu-west-1\nsecret_access_key: ${SECRET}\naccess_key_id: AKIDFILE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"--config", file, "--addr", "127.0.0.1:8000"}, env(map[string]string{"SECRET": "s3", "COGNITOD_REGION": "ap-south-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8000" || c.Region != "ap-south-1" || c.SecretAccessKey != "s3" || c.AccessKeyID != "AKIDFILE" || c.DataDir != "./data" {
		t.Fatalf("config = %+v", c)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9229" || c.Storage != "sqlite" || c.Region != "us-east-1" || c.AccountID != "123456789012" {
		t.Fatalf("defaults = %+v", c)
	}
}

func TestValidateReportsEverything(t *testing.T) {
	_, err := Load([]string{"--addr", "nope", "--storage", "mongo"}, env(map[string]string{"COGNITOD_REGION": "mars", "COGNITOD_ACCESS_KEY_ID": "x"}))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"addr", "storage", "region", "access key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestUnknownKeyRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	_ = os.WriteFile(file, []byte("adr: x\n"), 0o600)
	if _, err := Load([]string{"--config", file}, env(nil)); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Fatalf("unknown key: %v", err)
	}
}
