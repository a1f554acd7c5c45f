package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// testIdP is a real OpenID Connect provider on httptest: discovery, JWKS,
// authorize (signs the next user in at once), token (RS256 ID tokens) and
// userinfo.
type testIdP struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	forgeKey *rsa.PrivateKey // signs forged tokens when forge is set
	mu       sync.Mutex
	next     map[string]any // claims of the user who signs in next
	codes    map[string]map[string]any
	forge    bool
	badNonce bool
	// secrets records the client_secret of each token request.
	secrets []string
}

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	f, _ := rsa.GenerateKey(rand.Reader, 2048)
	idp := &testIdP{key: k, forgeKey: f, codes: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		u := idp.srv.URL
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
			"jwks_uri": u + "/jwks", "userinfo_endpoint": u + "/userinfo", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &idp.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		idp.mu.Lock()
		claims := map[string]any{}
		for k, v := range idp.next {
			claims[k] = v
		}
		claims["aud"] = q.Get("client_id")
		claims["nonce"] = q.Get("nonce")
		code := randomToken32()
		idp.codes[code] = claims
		idp.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		idp.mu.Lock()
		idp.secrets = append(idp.secrets, r.PostForm.Get("client_secret"))
		claims, ok := idp.codes[r.PostForm.Get("code")]
		delete(idp.codes, r.PostForm.Get("code"))
		forge, badNonce := idp.forge, idp.badNonce
		idp.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		claims["iss"] = idp.srv.URL
		claims["iat"] = time.Now().Unix()
		claims["exp"] = time.Now().Add(time.Hour).Unix()
		if badNonce {
			claims["nonce"] = "not-the-nonce"
		}
		key := idp.key
		if forge {
			key = idp.forgeKey
		}
		signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
		payload, _ := json.Marshal(claims)
		jws, _ := signer.Sign(payload)
		tok, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + claims["sub"].(string), "token_type": "Bearer", "expires_in": 3600, "id_token": tok})
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		idp.mu.Lock()
		defer idp.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"sub": idp.next["sub"], "given_name": "From Userinfo"})
	})
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	return idp
}

// signsIn sets who signs in next.
func (idp *testIdP) signsIn(claims map[string]any) {
	idp.mu.Lock()
	idp.next = claims
	idp.mu.Unlock()
}

func randomToken32() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
