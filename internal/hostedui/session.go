package hostedui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/userpool"
)

// sessionCookie is the managed login session cookie, named as Cognito's.
const sessionCookie = "cognito"

// maxSessions bounds the sessions one cookie carries. A pool's own domain
// carries one; the server's own host serves every pool, one session each.
const maxSessions = 8

// sessionPurpose seals the cookie's value.
const sessionPurpose = "hosted-session"

// cookieSessions answers the browser's unexpired sessions: none when the
// cookie is missing, expired or was not sealed here.
func (s *Server) cookieSessions(r *http.Request) []userpool.HostedSession {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	var list []userpool.HostedSession
	if s.svc.Sealer().Open(sessionPurpose, c.Value, s.svc.Now(), &list) != nil {
		return nil
	}
	now := s.svc.Now().Unix()
	return slices.DeleteFunc(list, func(hs userpool.HostedSession) bool { return hs.Expires <= now })
}

// writeSessions gives the browser its sessions: HttpOnly, Lax (sent on the
// top-level navigations to the authorize endpoint that use it), Secure
// when the pages are served over HTTPS; an empty list deletes the cookie.
func (s *Server) writeSessions(w http.ResponseWriter, r *http.Request, list []userpool.HostedSession) bool {
	c := &http.Cookie{Name: sessionCookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || strings.HasPrefix(s.svc.BaseURL(), "https://")}
	if len(list) == 0 {
		c.MaxAge = -1
		http.SetCookie(w, c)
		return true
	}
	var last int64
	for _, hs := range list {
		last = max(last, hs.Expires)
	}
	sealed, err := s.svc.Sealer().Seal(sessionPurpose, time.Unix(last, 0), list)
	if err != nil {
		s.log.Error("hosted session cookie", "error", err.Error())
		return false
	}
	c.Value, c.Expires = sealed, time.Unix(last, 0)
	c.MaxAge = max(int(last-s.svc.Now().Unix()), 1)
	http.SetCookie(w, c)
	return true
}

// startSession opens a session for a sign-in through the hosted pages that
// was just granted, in place of the browser's earlier one with that pool,
// and reports whether it did. A session that cannot be recorded costs the
// user a sign-in later, not this one: it is logged, and the sign-in goes
// on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, sub string, authTime time.Time) bool {
	hs, err := s.svc.StartHostedSession(r.Context(), a, sub, authTime)
	if err != nil {
		s.log.Error("hosted session", "error", err.Error())
		return false
	}
	// The new session replaces the browser's earlier one with the pool,
	// which ends (a copy of the old cookie signs no one in).
	list := slices.DeleteFunc(s.cookieSessions(r), func(o userpool.HostedSession) bool {
		if o.Pool != a.PoolID {
			return false
		}
		if err := s.svc.EndHostedSession(r.Context(), o); err != nil {
			s.log.Error("hosted session", "error", err.Error())
		}
		return true
	})
	if len(list) >= maxSessions {
		list = list[len(list)-maxSessions+1:]
	}
	return s.writeSessions(w, r, append(list, hs))
}

// poolSession is the browser's session with a pool, if it has one (a
// cookie carries one session a pool).
func (s *Server) poolSession(r *http.Request, poolID string) (userpool.HostedSession, bool) {
	for _, hs := range s.cookieSessions(r) {
		if hs.Pool == poolID {
			return hs, true
		}
	}
	return userpool.HostedSession{}, false
}

// resumeSession answers the authorization request a from the browser's
// session with a's pool, if it has one that serves a, and reports whether
// it answered. The request's prompt decides as OIDC says: "login" asks for
// a new sign-in whatever the session; "none" wants no page at all, so
// without a session the client gets error=login_required.
func (s *Server) resumeSession(w http.ResponseWriter, r *http.Request, a *userpool.Authorization) bool {
	prompt := strings.Fields(r.URL.Query().Get("prompt"))
	if slices.Contains(prompt, "login") || a.Request.AfterSignIn != "" {
		return false // a sign-in that /passkeys/add asked for is a new one
	}
	if hs, has := s.poolSession(r, a.PoolID); has {
		code, tok, ok, err := s.svc.ResumeHostedSession(r.Context(), a, hs)
		if err != nil {
			s.log.Error("hosted session", "error", err.Error())
			redirectError(w, r, a, "server_error", "")
			return true
		}
		if ok {
			redirectGrant(w, r, a, code, tok)
			return true
		}
	}
	if slices.Contains(prompt, "none") {
		redirectError(w, r, a, "login_required", "")
		return true
	}
	return false
}

// endSession ends the browser's session with a pool, here and on the
// server (see userpool.EndHostedSession).
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, poolID string) {
	list := s.cookieSessions(r)
	rest := list[:0:0]
	for _, hs := range list {
		if hs.Pool != poolID {
			rest = append(rest, hs)
			continue
		}
		if err := s.svc.EndHostedSession(r.Context(), hs); err != nil {
			s.log.Error("hosted session", "error", err.Error())
		}
	}
	if _, err := r.Cookie(sessionCookie); err == nil {
		s.writeSessions(w, r, rest)
	}
}

// logout ends the browser's session with the client's pool, then goes to
// the client's logout URL, or back to sign-in with an authorization
// request.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if lo := q.Get("logout_uri"); lo != "" {
		poolID, ok := s.svc.LogoutAllowed(r.Context(), q.Get("client_id"), lo)
		if !ok {
			errorPage(w, http.StatusBadRequest, "logout_uri is not one of the client's LogoutURLs")
			return
		}
		s.endSession(w, r, poolID)
		http.Redirect(w, r, lo, http.StatusFound)
		return
	}
	if q.Get("redirect_uri") != "" && q.Get("response_type") != "" {
		a, ok := s.check(w, r, authorizeRequest(q))
		if !ok {
			return
		}
		s.endSession(w, r, a.PoolID)
		http.Redirect(w, r, "/login?"+r.URL.RawQuery, http.StatusFound)
		return
	}
	errorPage(w, http.StatusBadRequest, "logout needs client_id and logout_uri, or redirect_uri and response_type")
}

// redirectGrant sends the browser back to the client with what a sign-in
// was granted: the code, or the implicit flow's tokens.
func redirectGrant(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, code string, tok *userpool.TokenResponse) {
	if code != "" {
		redirectResult(w, r, a, url.Values{"code": {code}})
		return
	}
	p := url.Values{"access_token": {tok.AccessToken}, "token_type": {tok.TokenType}, "expires_in": {strconv.Itoa(tok.ExpiresIn)}}
	if tok.IDToken != "" {
		p.Set("id_token", tok.IDToken)
	}
	redirectResult(w, r, a, p)
}
