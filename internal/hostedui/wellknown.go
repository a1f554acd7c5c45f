package hostedui

import (
	"encoding/json"
	"net/http"

	"github.com/cognitod/cognitod/internal/userpool"
)

// WellKnown serves GET /<poolId>/.well-known/openid-configuration and
// /<poolId>/.well-known/jwks.json for pools that exist.
func WellKnown(svc *userpool.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		poolID := r.PathValue("pool")
		if !svc.PoolExists(r.Context(), poolID) {
			http.NotFound(w, r)
			return
		}
		switch r.URL.Path {
		case "/" + poolID + "/.well-known/jwks.json":
			set, err := svc.Keys().JWKS(r.Context(), poolID)
			if err != nil {
				http.Error(w, "keys unavailable", http.StatusInternalServerError)
				return
			}
			writeJSON(w, set)
		case "/" + poolID + "/.well-known/openid-configuration":
			iss := svc.Issuer(poolID)
			base := iss[:len(iss)-len(poolID)-1]
			writeJSON(w, map[string]any{
				"authorization_endpoint":                base + "/oauth2/authorize",
				"end_session_endpoint":                  base + "/logout",
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"issuer":                                iss,
				"jwks_uri":                              iss + "/.well-known/jwks.json",
				"response_types_supported":              []string{"code", "token"},
				"revocation_endpoint":                   base + "/oauth2/revoke",
				"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
				"subject_types_supported":               []string{"public"},
				"token_endpoint":                        base + "/oauth2/token",
				"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
				"userinfo_endpoint":                     base + "/oauth2/userInfo",
			})
		default:
			http.NotFound(w, r)
		}
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
