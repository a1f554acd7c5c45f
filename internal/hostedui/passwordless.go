package hostedui

import (
	"html/template"
	"net/http"

	"github.com/cognitod/cognitod/internal/userpool"
)

// Passwordless sign-in on the hosted page, where the pool's sign-in policy
// allows it. "Sign in with a passkey" names the user; the passkey page
// asks the browser for an assertion (navigator.credentials.get) and posts
// it to /passkey, which checks it and ends the sign-in. "Email me" (or
// "Text me") "a sign-in code" sends a code to the user's verified email
// address (or phone number) and shows the code page. Each is a factor of
// its own: no MFA follows, as with USER_AUTH's WEB_AUTHN, EMAIL_OTP and
// SMS_OTP in the API.

// passkeyState is the sign-in the passkey page continues.
type passkeyState struct {
	Query string `json:"q"`
	Sub   string `json:"sub"`
}

func (s *Server) passkeyPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, rawQuery string) {
	username := r.PostForm.Get("username")
	u, options, err := s.svc.HostedPasskeyOptions(r.Context(), a, username)
	if err != nil {
		s.render(w, r, a, rawQuery, errText(err), username)
		return
	}
	sealed, err := s.svc.Sealer().Seal("login-passkey", s.svc.Now().Add(mfaPageTTL), passkeyState{Query: rawQuery, Sub: u.Sub})
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	// options is JSON that json.Marshal made (<, > and & escaped): safe
	// inside the page's script element.
	writePage(w, s.styled(r, a, page{Title: "Sign in with a passkey", Sealed: sealed, PasskeyOptions: template.JS(options)}))
}

// passkeySubmit checks the passkey page's assertion and ends the sign-in.
func (s *Server) passkeySubmit(w http.ResponseWriter, r *http.Request) {
	var st passkeyState
	a, ok := s.resumeForm(w, r, "login-passkey", "p", &st, func() string { return st.Query })
	if !ok {
		return
	}
	u, err := s.svc.HostedPasskeySignIn(r.Context(), a, st.Sub, r.PostForm.Get("credential"))
	if err != nil {
		s.render(w, r, a, st.Query, "The passkey was not accepted: "+errText(err), "")
		return
	}
	s.finish(w, r, a, u.Sub)
}

// signInCodePage sends the named user a sign-in code (factor EMAIL_OTP or
// SMS_OTP) and asks for it on the code page, whose answer ends the
// sign-in (see mfaSubmit).
func (s *Server) signInCodePage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, rawQuery, factor string) {
	username := r.PostForm.Get("username")
	u, check, sent, err := s.svc.HostedSignInCode(r.Context(), a, username, factor)
	if err != nil {
		s.render(w, r, a, rawQuery, errText(err), username)
		return
	}
	s.renderMFA(w, r, a, mfaState{Query: rawQuery, Sub: u.Sub, Factor: check, Prompt: "Code sent to " + sent.Destination}, "")
}
