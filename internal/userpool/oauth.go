package userpool

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/tokens"
)

// OAuthError is an OAuth2 error (`error` and `error_description`).
type OAuthError struct {
	Code        string
	Description string
}

func (e *OAuthError) Error() string { return e.Code + ": " + e.Description }

func oauthErr(code, desc string) *OAuthError { return &OAuthError{Code: code, Description: desc} }

// AuthorizeRequest is /oauth2/authorize's query.
type AuthorizeRequest struct {
	ResponseType        string
	ClientID            string
	RedirectURI         string
	State               string
	Scope               string
	IdentityProvider    string
	IdpIdentifier       string
	CodeChallenge       string
	CodeChallengeMethod string
	Nonce               string
	// AfterSignIn, when AfterSignInAddPasskey, sends the signed-in user on
	// to /passkeys/add instead of back to the client (cognitod's own
	// parameter, after_sign_in, set by that page for a browser with no
	// session).
	AfterSignIn string
}

// AfterSignInAddPasskey is AuthorizeRequest.AfterSignIn for /passkeys/add.
const AfterSignInAddPasskey = "passkeys/add"

// Authorization is a checked authorize request: where to send the user.
type Authorization struct {
	PoolID   string
	ClientID string
	Request  AuthorizeRequest
	Scopes   []string
	// Provider is the IdP to sign in with ("" = the hosted page decides).
	Provider     string
	ProviderType string
	Details      map[string]string
	Mapping      map[string]string
	// Providers are the client's IdPs (for the sign-in page), COGNITO included.
	Providers []string
}

// Errors of the authorize endpoint that must not redirect: the redirect
// URI itself cannot be trusted.
var (
	ErrUnknownClient    = oauthErr("invalid_request", "unknown client_id")
	ErrRedirectMismatch = oauthErr("redirect_mismatch", "redirect_uri is not one of the client's CallbackURLs")
)

// Authorize checks an authorize request. An *OAuthError that is neither
// ErrUnknownClient nor ErrRedirectMismatch goes back to the redirect URI.
func (s *Service) Authorize(ctx context.Context, r AuthorizeRequest) (*Authorization, error) {
	p, c, err := s.clientFor(ctx, r.ClientID, "")
	if err != nil {
		return nil, ErrUnknownClient
	}
	if r.RedirectURI == "" || !contains(c.CallbackURLs, r.RedirectURI) {
		return nil, ErrRedirectMismatch
	}
	a := &Authorization{PoolID: p.ID, ClientID: c.ClientId, Request: r, Providers: c.SupportedIdentityProviders}
	switch r.ResponseType {
	case "code", "token":
	default:
		return a, oauthErr("invalid_request", "response_type must be code or token")
	}
	flow := map[string]string{"code": "code", "token": "implicit"}[r.ResponseType]
	if !c.AllowedOAuthFlowsUserPoolClient || !contains(c.AllowedOAuthFlows, flow) {
		return a, oauthErr("unauthorized_client", "Client is not enabled for OAuth2.0 flows.")
	}
	if r.CodeChallengeMethod != "" && r.CodeChallengeMethod != "S256" || r.CodeChallenge != "" && r.CodeChallengeMethod == "" {
		return a, oauthErr("invalid_request", "code_challenge_method must be S256")
	}
	// Scopes the client may not have are dropped; none asked means all.
	if r.Scope == "" {
		a.Scopes = c.AllowedOAuthScopes
	} else {
		for _, sc := range strings.Fields(r.Scope) {
			if contains(c.AllowedOAuthScopes, sc) && !contains(a.Scopes, sc) {
				a.Scopes = append(a.Scopes, sc)
			}
		}
	}
	name := r.IdentityProvider
	if name == "" && r.IdpIdentifier != "" {
		pr, err := s.store.GetProviderByIdentifier(ctx, p.ID, r.IdpIdentifier)
		if err != nil {
			return a, oauthErr("invalid_request", "No identity provider matches idp_identifier "+r.IdpIdentifier)
		}
		name = pr.Name
	}
	if name == "" || name == "COGNITO" {
		a.Provider = name
		return a, nil
	}
	if !contains(c.SupportedIdentityProviders, name) {
		return a, oauthErr("invalid_request", "Identity provider "+name+" is not enabled for this client")
	}
	pr, err := s.store.GetProvider(ctx, p.ID, name)
	if err != nil {
		return a, oauthErr("invalid_request", "Identity provider "+name+" does not exist")
	}
	a.Provider, a.ProviderType, a.Details, a.Mapping = pr.Name, pr.Type, pr.Details, pr.AttributeMapping
	return a, nil
}

// codeGrant is what an authorization code grants.
type codeGrant struct {
	Pool          string   `json:"pool"`
	Client        string   `json:"client"`
	Sub           string   `json:"sub"`
	RedirectURI   string   `json:"redirect_uri"`
	Scopes        []string `json:"scopes"`
	Nonce         string   `json:"nonce,omitempty"`
	CodeChallenge string   `json:"code_challenge,omitempty"`
	AuthTime      int64    `json:"auth_time"`
}

func hashToken(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// issueCode makes a one-time authorization code (valid 5 minutes) for a
// user who signed in at authTime.
func (s *Service) issueCode(ctx context.Context, a *Authorization, u storage.User, authTime time.Time) (string, error) {
	code := uuidLike()
	g := codeGrant{Pool: a.PoolID, Client: a.ClientID, Sub: u.Sub, RedirectURI: a.Request.RedirectURI, Scopes: a.Scopes,
		Nonce: a.Request.Nonce, CodeChallenge: a.Request.CodeChallenge, AuthTime: authTime.Unix()}
	return code, s.putOneTime(ctx, a.PoolID, hashToken(code), mustJSON(g), s.now().Add(5*time.Minute))
}

func uuidLike() string {
	b := randomBytes(16)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// TokenResponse is /oauth2/token's answer.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// ClientAuth is how a caller of /oauth2/token authenticated.
type ClientAuth struct {
	ClientID     string
	ClientSecret string
}

func (s *Service) tokenClient(ctx context.Context, ca ClientAuth) (*pool, *UserPoolClientType, error) {
	p, c, err := s.clientFor(ctx, ca.ClientID, "")
	if err != nil {
		return nil, nil, oauthErr("invalid_client", "")
	}
	if c.ClientSecret != "" && !c.secretIs(ca.ClientSecret) {
		return nil, nil, oauthErr("invalid_client", "")
	}
	return p, c, nil
}

// RedeemCode is the authorization_code grant.
func (s *Service) RedeemCode(ctx context.Context, ca ClientAuth, code, redirectURI, verifier string) (*TokenResponse, error) {
	p, c, err := s.tokenClient(ctx, ca)
	if err != nil {
		return nil, err
	}
	if !contains(c.AllowedOAuthFlows, "code") {
		return nil, oauthErr("unauthorized_client", "")
	}
	ac, err := s.store.TakeAuthCode(ctx, hashToken(code))
	if err != nil || s.now().After(ac.Expires) {
		return nil, oauthErr("invalid_grant", "")
	}
	var g codeGrant
	if err := json.Unmarshal(ac.Payload, &g); err != nil || g.Client != c.ClientId || g.Pool != p.ID || g.RedirectURI != redirectURI {
		return nil, oauthErr("invalid_grant", "")
	}
	if g.CodeChallenge != "" {
		sum := sha256.Sum256([]byte(verifier))
		if verifier == "" || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.CodeChallenge)) != 1 {
			return nil, oauthErr("invalid_grant", "")
		}
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: g.Sub})
	if err != nil || !u.Enabled {
		return nil, oauthErr("invalid_grant", "")
	}
	res, err := s.issue(ctx, &session{pool: p, client: c, user: u, authTime: time.Unix(g.AuthTime, 0), scopes: g.Scopes, nonce: g.Nonce, source: "TokenGeneration_HostedAuth"}, true)
	if err != nil {
		return nil, err
	}
	out := &TokenResponse{AccessToken: res.AccessToken, RefreshToken: res.RefreshToken, TokenType: "Bearer", ExpiresIn: res.ExpiresIn}
	if contains(g.Scopes, "openid") {
		out.IDToken = res.IdToken
	}
	return out, nil
}

// RefreshGrant is the refresh_token grant (with device_key for a token
// issued to a device).
func (s *Service) RefreshGrant(ctx context.Context, ca ClientAuth, refresh, deviceKey string) (*TokenResponse, error) {
	p, c, err := s.tokenClient(ctx, ca)
	if err != nil {
		return nil, err
	}
	rt, u, err := s.refreshUser(ctx, p, c, refresh, deviceKey)
	if err != nil || !u.Enabled {
		return nil, oauthErr("invalid_grant", "")
	}
	// With rotation, the grant answers a new refresh token too, as
	// GetTokensFromRefreshToken does.
	ss := &session{pool: p, client: c, user: u, authTime: rt.AuthTime, origin: rt.ID, scopes: c.AllowedOAuthScopes, source: "TokenGeneration_RefreshTokens", device: rt.device}
	rotate, grace := rotation(c)
	if rotate {
		ss.rotates, ss.grace = rt.ID, grace
	}
	res, err := s.issue(ctx, ss, rotate)
	if errors.Is(err, storage.ErrRevoked) {
		return nil, oauthErr("invalid_grant", "")
	}
	if err != nil {
		return nil, err
	}
	out := &TokenResponse{AccessToken: res.AccessToken, TokenType: "Bearer", ExpiresIn: res.ExpiresIn, RefreshToken: res.RefreshToken}
	if contains(c.AllowedOAuthScopes, "openid") {
		out.IDToken = res.IdToken
	}
	return out, nil
}

// SignInForAuthorization issues what an authorize request asked for once
// the user is known, signed in at authTime: a code, or (implicit flow)
// tokens.
func (s *Service) SignInForAuthorization(ctx context.Context, a *Authorization, u storage.User, authTime time.Time) (code string, tok *TokenResponse, err error) {
	if err := s.HostedSignedIn(ctx, a, u); err != nil {
		return "", nil, err
	}
	return s.grant(ctx, a, u, authTime)
}

// HostedSignedIn records a sign-in through the hosted pages (a native
// user's auth event).
func (s *Service) HostedSignedIn(ctx context.Context, a *Authorization, u storage.User) error {
	if u.Status == StatusExternalProvider {
		return nil
	}
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return err
	}
	return s.recordAuthEvent(ctx, p, a.ClientID, u.Sub, "SignIn", "Pass", [2]string{"Password", "Success"})
}

// grant answers an authorization request for a user who signed in at
// authTime: a code, or the implicit flow's tokens.
func (s *Service) grant(ctx context.Context, a *Authorization, u storage.User, authTime time.Time) (code string, tok *TokenResponse, err error) {
	if a.Request.ResponseType == "code" {
		code, err = s.issueCode(ctx, a, u, authTime)
		return code, nil, err
	}
	p, c, err := s.clientFor(ctx, a.ClientID, "")
	if err != nil {
		return "", nil, err
	}
	res, err := s.issue(ctx, &session{pool: p, client: c, user: u, authTime: authTime, scopes: a.Scopes, nonce: a.Request.Nonce, source: "TokenGeneration_HostedAuth"}, false)
	if err != nil {
		return "", nil, err
	}
	tok = &TokenResponse{AccessToken: res.AccessToken, TokenType: "bearer", ExpiresIn: res.ExpiresIn}
	if contains(a.Scopes, "openid") {
		tok.IDToken = res.IdToken
	}
	return "", tok, nil
}

// PasswordSignIn checks a native user's password for the hosted page. A
// user who must still act before signing in is answered too, with its
// status: UNCONFIRMED and FORCE_CHANGE_PASSWORD with the right password,
// RESET_REQUIRED with any (its password is to be replaced).
func (s *Service) PasswordSignIn(ctx context.Context, a *Authorization, username, password string) (storage.User, error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return storage.User{}, err
	}
	u, err := s.findUser(ctx, p, username)
	if rerr := s.refuseBlocked(ctx, p, a.ClientID, func() storage.User { return u }); rerr != nil {
		return storage.User{}, rerr
	}
	if err == nil && u.Enabled && u.Status == StatusResetRequired {
		return u, nil
	}
	if err != nil {
		return storage.User{}, errBadCredentials
	}
	if !checkPassword(u.Password, password) {
		return storage.User{}, s.signInFailed(ctx, p, a.ClientID, u.Sub, errBadCredentials, "Password")
	}
	if !u.Enabled {
		return storage.User{}, errUserDisabled
	}
	if extraOf(&u).PasswordSignInDisabled || u.Status == StatusExternalProvider {
		return storage.User{}, errBadCredentials
	}
	switch u.Status {
	case StatusConfirmed, StatusUnconfirmed, StatusForceChangePassword:
		return u, nil
	}
	return storage.User{}, errBadCredentials
}

// UserInfo answers /oauth2/userInfo for an access token with the openid scope.
func (s *Service) UserInfo(ctx context.Context, accessToken string) (map[string]string, error) {
	poolID, claims, err := s.keys.Verify(ctx, accessToken, s.Issuer, tokens.UseAccess, s.now())
	if err != nil || !contains(strings.Fields(claims.String("scope")), "openid") {
		return nil, oauthErr("invalid_token", "Access token is expired, disabled, or deleted, or the user has globally signed out.")
	}
	u, err := s.store.GetUser(ctx, poolID, storage.UserLookup{Field: "sub", Value: claims.String("sub")})
	if err != nil || !u.Enabled {
		return nil, oauthErr("invalid_token", "Access token is expired, disabled, or deleted, or the user has globally signed out.")
	}
	if origin := claims.String("origin_jti"); origin != "" {
		if rt, err := s.store.GetRefreshToken(ctx, origin); err == nil && rt.Revoked {
			return nil, oauthErr("invalid_token", "Access token is expired, disabled, or deleted, or the user has globally signed out.")
		}
	}
	scopes := strings.Fields(claims.String("scope"))
	out := map[string]string{"sub": u.Sub, "username": u.Username}
	for _, a := range u.Attributes {
		switch {
		case contains(scopes, "profile"):
			out[a.Name] = a.Value
		case contains(scopes, "email") && (a.Name == "email" || a.Name == "email_verified"):
			out[a.Name] = a.Value
		case contains(scopes, "phone") && (a.Name == "phone_number" || a.Name == "phone_number_verified"):
			out[a.Name] = a.Value
		}
	}
	if ids, err := s.identitiesOf(ctx, poolID, u); err == nil && len(ids[u.Sub]) > 0 && contains(scopes, "profile") {
		out["identities"] = identitiesValue(ids[u.Sub])
	}
	return out, nil
}

// UserBySub reads a user by its sub.
func (s *Service) UserBySub(ctx context.Context, poolID, sub string) (storage.User, error) {
	return s.store.GetUser(ctx, poolID, storage.UserLookup{Field: "sub", Value: sub})
}

// LogoutAllowed reports whether logoutURI is one of the client's
// LogoutURLs, and answers the client's pool.
func (s *Service) LogoutAllowed(ctx context.Context, clientID, logoutURI string) (poolID string, ok bool) {
	p, c, err := s.clientFor(ctx, clientID, "")
	if err != nil || !contains(c.LogoutURLs, logoutURI) {
		return "", false
	}
	return p.ID, true
}
