package userpool

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// HostedSessionTTL is how long a managed login session lasts: Cognito's
// session cookie lasts an hour, however long the tokens live.
const HostedSessionTTL = time.Hour

// HostedSession is a browser's managed login session with one user pool:
// after a sign-in through the hosted pages, the authorize and login
// endpoints sign the same user in again, to any of the pool's clients
// that accept the way they signed in, without asking. The browser keeps
// it (sealed in a cookie); the server keeps a record of it too, so that
// the logout endpoint ends it for good and not only in that browser.
// GlobalSignOut and AdminUserGlobalSignOut leave it alone, as in Cognito.
type HostedSession struct {
	ID   string `json:"id"`
	Pool string `json:"pool"`
	Sub  string `json:"sub"`
	// Provider is how the user signed in: COGNITO, or an IdP's name.
	Provider string `json:"idp"`
	AuthTime int64  `json:"auth_time"`
	Expires  int64  `json:"exp"`
}

// hostedSessionRecord is the session's record, in the one-time records'
// store under a namespace of its own.
func hostedSessionRecord(id string) string { return hashToken("hosted-session\x00" + id) }

// StartHostedSession records a session for a sign-in through the hosted
// pages, made at authTime, that has just been granted (see
// SignInForAuthorization).
func (s *Service) StartHostedSession(ctx context.Context, a *Authorization, sub string, authTime time.Time) (HostedSession, error) {
	hs := HostedSession{ID: uuidLike(), Pool: a.PoolID, Sub: sub, Provider: a.Provider, AuthTime: authTime.Unix(), Expires: s.now().Add(HostedSessionTTL).Unix()}
	if hs.Provider == "" {
		hs.Provider = "COGNITO"
	}
	return hs, s.putOneTime(ctx, a.PoolID, hostedSessionRecord(hs.ID), mustJSON(hs), time.Unix(hs.Expires, 0))
}

// ResumeHostedSession signs hs's user in again for the authorization
// request a, as it was first signed in (the tokens' auth_time is that
// sign-in's). ok is false when the session cannot serve a (see
// sessionUser).
func (s *Service) ResumeHostedSession(ctx context.Context, a *Authorization, hs HostedSession) (code string, tok *TokenResponse, ok bool, err error) {
	u, ok, err := s.sessionUser(ctx, a, hs)
	if !ok || err != nil {
		return "", nil, false, err
	}
	code, tok, err = s.grant(ctx, a, u, time.Unix(hs.AuthTime, 0).UTC())
	return code, tok, err == nil, err
}

// sessionUser answers the user of a session that can serve a: not ended
// nor expired, of a's pool, of a provider a's client accepts (and the one
// a names, if it names one), and of a user who can still sign in.
func (s *Service) sessionUser(ctx context.Context, a *Authorization, hs HostedSession) (storage.User, bool, error) {
	if hs.Pool != a.PoolID || !s.now().Before(time.Unix(hs.Expires, 0)) {
		return storage.User{}, false, nil
	}
	if a.Provider != "" && a.Provider != hs.Provider ||
		len(a.Providers) > 0 && !slices.Contains(a.Providers, hs.Provider) {
		return storage.User{}, false, nil
	}
	rec, err := s.store.GetAuthCode(ctx, hostedSessionRecord(hs.ID))
	if isNotFound(err) {
		return storage.User{}, false, nil
	}
	if err != nil {
		return storage.User{}, false, err
	}
	var kept HostedSession
	if json.Unmarshal(rec.Payload, &kept) != nil || kept != hs || !s.now().Before(rec.Expires) {
		return storage.User{}, false, nil
	}
	u, err := s.UserBySub(ctx, hs.Pool, hs.Sub)
	if isNotFound(err) {
		return storage.User{}, false, nil
	}
	if err != nil {
		return storage.User{}, false, err
	}
	if !u.Enabled || u.Status != StatusConfirmed && u.Status != StatusExternalProvider {
		return storage.User{}, false, nil
	}
	return u, true, nil
}

// PasskeyAddRequest checks /passkeys/add's client and redirect URI (one of
// the client's callback URLs), and answers them as the authorization
// request that a sign-in before the passkey page would make.
func (s *Service) PasskeyAddRequest(ctx context.Context, clientID, redirectURI string) (*Authorization, error) {
	_, c, err := s.clientFor(ctx, clientID, "")
	if err != nil {
		return nil, ErrUnknownClient
	}
	rt := "code"
	if !contains(c.AllowedOAuthFlows, "code") && contains(c.AllowedOAuthFlows, "implicit") {
		rt = "token"
	}
	return s.Authorize(ctx, AuthorizeRequest{ResponseType: rt, ClientID: clientID, RedirectURI: redirectURI})
}

// ErrNoHostedSession answers a passkey page opened without a session that
// can serve it.
var ErrNoHostedSession = errors.New("no hosted session")

// HostedPasskeyCreationOptions begins registering a passkey for the user of the
// browser's session hs: the options for navigator.credentials.create.
func (s *Service) HostedPasskeyCreationOptions(ctx context.Context, a *Authorization, hs HostedSession) (string, error) {
	p, u, err := s.sessionPoolUser(ctx, a, hs)
	if err != nil {
		return "", err
	}
	options, err := s.beginPasskeyRegistration(ctx, p, &u)
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(options)
	return string(raw), err
}

// HostedPasskeyRegister keeps the passkey the browser made for the user of
// its session hs.
func (s *Service) HostedPasskeyRegister(ctx context.Context, a *Authorization, hs HostedSession, credential string) error {
	p, u, err := s.sessionPoolUser(ctx, a, hs)
	if err != nil {
		return err
	}
	return s.finishPasskeyRegistration(ctx, p, &u, []byte(credential))
}

// sessionPoolUser answers the pool and the user of a session that can
// serve a (see sessionUser), or ErrNoHostedSession.
func (s *Service) sessionPoolUser(ctx context.Context, a *Authorization, hs HostedSession) (*pool, storage.User, error) {
	u, ok, err := s.sessionUser(ctx, a, hs)
	if err != nil || !ok {
		return nil, u, cmp.Or(err, ErrNoHostedSession)
	}
	p, err := s.getPool(ctx, a.PoolID)
	return p, u, err
}

// EndHostedSession ends a session: its cookie no longer signs anyone in,
// wherever it is sent from.
func (s *Service) EndHostedSession(ctx context.Context, hs HostedSession) error {
	_, _, err := s.takeOneTime(ctx, hostedSessionRecord(hs.ID))
	return err
}
