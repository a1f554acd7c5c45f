package hostedui

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/userpool"
)

// /passkeys/add registers a passkey for the user of the browser's session
// (a link an app gives its signed-in users, with its client_id and a
// redirect_uri among the client's callback URLs), then goes back to
// redirect_uri. A browser with no session signs in first, then comes back
// here rather than to the app.

// passkeyAddState is the passkey page's request, sealed into its form.
type passkeyAddState struct {
	ClientID    string `json:"c"`
	RedirectURI string `json:"r"`
}

// passkeyAddTTL is how long the passkey page's form can be sent.
const passkeyAddTTL = 5 * time.Minute

func (s *Server) passkeyAddPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.renderPasskeyAdd(w, r, passkeyAddState{ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri")}, "")
}

// passkeyAddSubmit keeps the passkey the page's browser made, and goes
// back to the app.
func (s *Server) passkeyAddSubmit(w http.ResponseWriter, r *http.Request) {
	var st passkeyAddState
	if !s.openForm(w, r, "passkey-add", "s", &st) {
		return
	}
	a, ok := s.passkeyAddRequest(w, r, st)
	if !ok {
		return
	}
	hs, _ := s.poolSession(r, a.PoolID)
	err := s.svc.HostedPasskeyRegister(r.Context(), a, hs, r.PostForm.Get("credential"))
	switch {
	case errors.Is(err, userpool.ErrNoHostedSession):
		s.signInToAddPasskey(w, r, a)
	case err != nil:
		s.renderPasskeyAdd(w, r, st, "The passkey was not added: "+errText(err))
	default:
		http.Redirect(w, r, st.RedirectURI, http.StatusFound)
	}
}

// renderPasskeyAdd answers the passkey page for st, with errMsg if a try
// failed; a browser without a session that can use it is sent to sign in.
func (s *Server) renderPasskeyAdd(w http.ResponseWriter, r *http.Request, st passkeyAddState, errMsg string) {
	a, ok := s.passkeyAddRequest(w, r, st)
	if !ok {
		return
	}
	hs, _ := s.poolSession(r, a.PoolID)
	options, err := s.svc.HostedPasskeyCreationOptions(r.Context(), a, hs)
	if errors.Is(err, userpool.ErrNoHostedSession) {
		s.signInToAddPasskey(w, r, a)
		return
	}
	pg := page{Title: "Add a passkey", Error: errMsg, Links: []providerLink{{Name: "Not now", URL: st.RedirectURI}}}
	if err != nil {
		pg.Error = "A passkey cannot be added here: " + errText(err)
		writePage(w, s.styled(r, a, pg))
		return
	}
	sealed, err := s.svc.Sealer().Seal("passkey-add", s.svc.Now().Add(passkeyAddTTL), st)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	pg.Sealed, pg.PasskeyCreate = sealed, template.JS(options)
	writePage(w, s.styled(r, a, pg))
}

// passkeyAddRequest checks the page's client and redirect URI, answering
// an error page itself when they are not right.
func (s *Server) passkeyAddRequest(w http.ResponseWriter, r *http.Request, st passkeyAddState) (*userpool.Authorization, bool) {
	a, err := s.svc.PasskeyAddRequest(r.Context(), st.ClientID, st.RedirectURI)
	var oe *userpool.OAuthError
	switch {
	case err == nil:
	case errors.As(err, &oe):
		errorPage(w, http.StatusBadRequest, oe.Description)
		return nil, false
	default:
		s.log.Error("passkeys/add", "error", err.Error())
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return nil, false
	}
	return a, s.onPoolHost(w, r, a)
}

// signInToAddPasskey sends a browser with no session to the sign-in page,
// which brings it back to the passkey page once signed in.
func (s *Server) signInToAddPasskey(w http.ResponseWriter, r *http.Request, a *userpool.Authorization) {
	q := url.Values{"response_type": {a.Request.ResponseType}, "client_id": {a.ClientID}, "redirect_uri": {a.Request.RedirectURI},
		"after_sign_in": {userpool.AfterSignInAddPasskey}}
	http.Redirect(w, r, "/login?"+q.Encode(), http.StatusFound)
}

// signedInToAddPasskey ends a sign-in that the passkey page asked for: the
// session it opens takes the browser back there.
func (s *Server) signedInToAddPasskey(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, u storage.User) {
	if err := s.svc.HostedSignedIn(r.Context(), a, u); err != nil || !s.startSession(w, r, a, u.Sub, s.svc.Now()) {
		if err != nil {
			s.log.Error("passkeys/add sign-in", "error", err.Error())
		}
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	q := url.Values{"client_id": {a.ClientID}, "redirect_uri": {a.Request.RedirectURI}}
	http.Redirect(w, r, "/passkeys/add?"+q.Encode(), http.StatusFound)
}
