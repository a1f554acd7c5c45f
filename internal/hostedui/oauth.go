package hostedui

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/federation"
	"github.com/cognitod/cognitod/internal/userpool"
)

// Server serves the hosted sign-in and OAuth2 endpoints.
type Server struct {
	svc *userpool.Service
	idp *federation.Client
	log *slog.Logger
}

// New makes the hosted endpoints.
func New(svc *userpool.Service, idp *federation.Client, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{svc: svc, idp: idp, log: log}
}

// Register mounts the endpoints on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth2/authorize", s.authorize)
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("POST /mfa", s.mfaSubmit)
	mux.HandleFunc("POST /passkey", s.passkeySubmit)
	mux.HandleFunc("GET /passkeys/add", s.passkeyAddPage)
	mux.HandleFunc("POST /passkeys/add", s.passkeyAddSubmit)
	mux.HandleFunc("POST /mfaSetup", s.totpSetupPost)
	mux.HandleFunc("GET /confirmUser", s.confirmUser)
	mux.HandleFunc("GET /signup", s.signUpGet)
	mux.HandleFunc("POST /signup", s.signUpPost)
	mux.HandleFunc("POST /confirm", s.confirmPost)
	mux.HandleFunc("GET /forgotPassword", s.forgotGet)
	mux.HandleFunc("POST /forgotPassword", s.forgotPost)
	mux.HandleFunc("POST /confirmForgotPassword", s.resetPost)
	mux.HandleFunc("POST /newPassword", s.newPasswordPost)
	mux.HandleFunc("GET /_cognitod/ui-image/{pool}/{client}", s.uiImage)
	mux.HandleFunc("GET /oauth2/idpresponse", s.idpResponse)
	mux.HandleFunc("POST /oauth2/idpresponse", s.idpResponse)
	mux.HandleFunc("POST /oauth2/token", s.token)
	mux.HandleFunc("GET /oauth2/userInfo", s.userInfo)
	mux.HandleFunc("POST /oauth2/userInfo", s.userInfo)
	mux.HandleFunc("POST /oauth2/revoke", s.revoke)
	mux.HandleFunc("GET /logout", s.logout)
	mux.HandleFunc("POST /saml2/idpresponse", s.samlResponse)
	mux.HandleFunc("GET /saml2/metadata", s.samlMetadata)
}

func authorizeRequest(q url.Values) userpool.AuthorizeRequest {
	return userpool.AuthorizeRequest{
		ResponseType: q.Get("response_type"), ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"),
		State: q.Get("state"), Scope: q.Get("scope"), IdentityProvider: q.Get("identity_provider"), IdpIdentifier: q.Get("idp_identifier"),
		CodeChallenge: q.Get("code_challenge"), CodeChallengeMethod: q.Get("code_challenge_method"), Nonce: q.Get("nonce"),
		AfterSignIn: q.Get("after_sign_in"),
	}
}

// errorPage is the answer when the redirect URI cannot be trusted.
func errorPage(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = pageTmpl.Execute(w, page{Title: "An error was encountered with the requested page", Error: msg})
}

// redirectResult sends the browser back to the client: query for the code
// flow, fragment for the implicit flow.
func redirectResult(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, params url.Values) {
	if a.Request.State != "" {
		params.Set("state", a.Request.State)
	}
	target := a.Request.RedirectURI
	sep := "?"
	if a.Request.ResponseType == "token" {
		sep = "#"
	} else if strings.Contains(target, "?") {
		sep = "&"
	}
	http.Redirect(w, r, target+sep+params.Encode(), http.StatusFound)
}

func redirectError(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, code, desc string) {
	p := url.Values{"error": {code}}
	if desc != "" {
		p.Set("error_description", desc)
	}
	redirectResult(w, r, a, p)
}

// redirectIdPError sends the app what went wrong with an identity
// provider: the provider's words for what it refused, server_error for the
// rest.
func redirectIdPError(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, err error) {
	var fe *federation.Error
	if errors.As(err, &fe) {
		redirectError(w, r, a, "invalid_request", fe.Description)
		return
	}
	redirectError(w, r, a, "server_error", "")
}

// check runs Authorize and answers the error itself when it fails.
func (s *Server) check(w http.ResponseWriter, r *http.Request, req userpool.AuthorizeRequest) (*userpool.Authorization, bool) {
	a, err := s.svc.Authorize(r.Context(), req)
	if err == nil {
		return a, s.onPoolHost(w, r, a)
	}
	var oe *userpool.OAuthError
	switch {
	case errors.Is(err, userpool.ErrUnknownClient), errors.Is(err, userpool.ErrRedirectMismatch):
		errorPage(w, http.StatusBadRequest, err.(*userpool.OAuthError).Description)
	case errors.As(err, &oe):
		redirectError(w, r, a, oe.Code, oe.Description)
	default:
		s.log.Error("authorize", "error", err.Error())
		errorPage(w, http.StatusInternalServerError, "Internal error")
	}
	return nil, false
}

// onPoolHost reports whether a's pool may be served from the request's
// host (a pool's domain serves that pool's clients only), answering an
// error page itself when not.
func (s *Server) onPoolHost(w http.ResponseWriter, r *http.Request, a *userpool.Authorization) bool {
	if poolID, ok := s.svc.PoolForHost(r.Context(), r.Host); ok && poolID != a.PoolID {
		errorPage(w, http.StatusBadRequest, userpool.ErrUnknownClient.Description)
		return false
	}
	return true
}

// idpState travels through the IdP, sealed.
type idpState struct {
	Query     string `json:"q"`           // the client's authorize query
	Nonce     string `json:"n,omitempty"` // nonce sent to an OIDC IdP
	RequestID string `json:"r,omitempty"` // a SAML AuthnRequest's ID
}

func (s *Server) callbackURL() string { return s.svc.BaseURL() + "/oauth2/idpresponse" }

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	a, ok := s.check(w, r, authorizeRequest(r.URL.Query()))
	if !ok || s.resumeSession(w, r, a) {
		return
	}
	if a.Provider == "" || a.Provider == "COGNITO" {
		http.Redirect(w, r, "/login?"+r.URL.RawQuery, http.StatusFound)
		return
	}
	s.toIdP(w, r, a, r.URL.RawQuery)
}

func (s *Server) toIdP(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, query string) {
	if a.ProviderType == userpool.TypeSAML {
		s.toSAML(w, r, a, query)
		return
	}
	nonce := randomToken()
	state, err := s.svc.Sealer().Seal("idp-state", s.svc.Now().Add(10*time.Minute), idpState{Query: query, Nonce: nonce})
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	to, err := s.idp.AuthCodeURL(r.Context(), federation.Provider{Name: a.Provider, Type: a.ProviderType, Details: a.Details}, s.callbackURL(), state, nonce)
	if err != nil {
		redirectError(w, r, a, "invalid_request", err.Error())
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

func (s *Server) idpResponse(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	var st idpState
	if err := s.svc.Sealer().Open("idp-state", r.Form.Get("state"), s.svc.Now(), &st); err != nil {
		errorPage(w, http.StatusBadRequest, "Invalid state: the sign-in cannot be continued.")
		return
	}
	q, _ := url.ParseQuery(st.Query)
	a, ok := s.check(w, r, authorizeRequest(q))
	if !ok {
		return
	}
	if e := r.Form.Get("error"); e != "" {
		redirectError(w, r, a, "invalid_request", a.Provider+" Error - "+e+" "+r.Form.Get("error_description"))
		return
	}
	p := federation.Provider{Name: a.Provider, Type: a.ProviderType, Details: a.Details}
	subject, claims, err := s.idp.Exchange(r.Context(), p, s.callbackURL(), r.Form.Get("code"), st.Nonce)
	if err != nil {
		redirectIdPError(w, r, a, err)
		return
	}
	s.signInExternal(w, r, a, userpool.ExternalIdentity{Provider: a.Provider, Subject: subject, Claims: claims})
}

// signInExternal resolves an identity the IdP vouched for and finishes.
func (s *Server) signInExternal(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, ext userpool.ExternalIdentity) {
	u, err := s.svc.FederatedSignIn(r.Context(), a.PoolID, a.ClientID, ext)
	if err != nil {
		if ae, ok := apierr.As(err); ok {
			redirectError(w, r, a, "invalid_request", ae.Message)
			return
		}
		s.log.Error("federated sign-in", "error", err.Error())
		redirectError(w, r, a, "server_error", "")
		return
	}
	s.finish(w, r, a, u.Sub)
}

// finish issues the code (or implicit tokens), opens the browser's
// session with the pool, and redirects to the client.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, sub string) {
	u, err := s.svc.UserBySub(r.Context(), a.PoolID, sub)
	if err != nil {
		redirectError(w, r, a, "server_error", "")
		return
	}
	if a.Request.AfterSignIn == userpool.AfterSignInAddPasskey {
		s.signedInToAddPasskey(w, r, a, u)
		return
	}
	// The tokens' auth_time and the session's are the same second.
	at := s.svc.Now().UTC().Truncate(time.Second)
	code, tok, err := s.svc.SignInForAuthorization(r.Context(), a, u, at)
	if err != nil {
		s.log.Error("issue", "error", err.Error())
		redirectError(w, r, a, "server_error", "")
		return
	}
	s.startSession(w, r, a, u.Sub, at)
	redirectGrant(w, r, a, code, tok)
}

func writeOAuthError(w http.ResponseWriter, status int, err error) {
	var oe *userpool.OAuthError
	body := map[string]string{"error": "server_error"}
	if errors.As(err, &oe) {
		body["error"] = oe.Code
		if oe.Description != "" {
			body["error_description"] = oe.Description
		}
		if oe.Code == "invalid_client" {
			status = http.StatusUnauthorized
		}
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// clientAuth reads client_secret_basic or client_secret_post.
func clientAuth(r *http.Request) userpool.ClientAuth {
	if id, secret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		return userpool.ClientAuth{ClientID: id, ClientSecret: secret}
	}
	return userpool.ClientAuth{ClientID: r.PostForm.Get("client_id"), ClientSecret: r.PostForm.Get("client_secret")}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, &userpool.OAuthError{Code: "invalid_request"})
		return
	}
	ca := clientAuth(r)
	var res *userpool.TokenResponse
	var err error
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		if r.PostForm.Get("code") == "" {
			err = &userpool.OAuthError{Code: "invalid_request"}
			break
		}
		res, err = s.svc.RedeemCode(r.Context(), ca, r.PostForm.Get("code"), r.PostForm.Get("redirect_uri"), r.PostForm.Get("code_verifier"))
	case "refresh_token":
		if r.PostForm.Get("refresh_token") == "" {
			err = &userpool.OAuthError{Code: "invalid_request"}
			break
		}
		res, err = s.svc.RefreshGrant(r.Context(), ca, r.PostForm.Get("refresh_token"), r.PostForm.Get("device_key"))
	case "client_credentials":
		res, err = s.svc.ClientCredentialsGrant(r.Context(), ca, r.PostForm.Get("scope"), r.PostForm.Get("aws_client_metadata"))
	default:
		err = &userpool.OAuthError{Code: "unsupported_grant_type"}
	}
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, err)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(res)
}

func (s *Server) userInfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		w.Header().Set("WWW-Authenticate", `error="invalid_request", error_description="Bad OAuth2 request at UserInfo Endpoint"`)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	info, err := s.svc.UserInfo(r.Context(), tok)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `error="invalid_token", error_description="Access token is expired, disabled, or deleted, or the user has globally signed out."`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(info)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("token") == "" {
		writeOAuthError(w, http.StatusBadRequest, &userpool.OAuthError{Code: "invalid_request"})
		return
	}
	ca := clientAuth(r)
	_, err := s.svc.RevokeToken(r.Context(), &struct {
		Token        string
		ClientId     string
		ClientSecret string
	}{Token: r.PostForm.Get("token"), ClientId: ca.ClientID, ClientSecret: ca.ClientSecret})
	if ae, ok := apierr.As(err); ok {
		switch ae.Code {
		case apierr.UnsupportedTokenType:
			writeOAuthError(w, http.StatusBadRequest, &userpool.OAuthError{Code: "unsupported_token_type"})
		case apierr.NotAuthorized, apierr.ResourceNotFound:
			writeOAuthError(w, http.StatusUnauthorized, &userpool.OAuthError{Code: "invalid_client"})
		default:
			writeOAuthError(w, http.StatusBadRequest, &userpool.OAuthError{Code: "invalid_request"})
		}
		return
	}
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = randRead(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
