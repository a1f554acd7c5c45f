package hostedui

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"net/url"

	"github.com/pquerna/otp"

	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/userpool"
)

// The authenticator-app setup page: a pool with MFA ON and a user with no
// second factor. It shows a QR code of a fresh secret (and the secret, to
// type); a code of it registers the app and ends the sign-in.

// totpSetupState rides, sealed, in the setup page's form.
type totpSetupState struct {
	Query  string `json:"q"`
	Sub    string `json:"sub"`
	Secret string `json:"secret,omitempty"`
	URI    string `json:"uri,omitempty"`
}

const totpSetupPurpose = "login-totp-setup"

// totpSetupPage renders the setup page; a state without a secret gets a
// fresh one (u is the user then).
func (s *Server) totpSetupPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st totpSetupState, u storage.User, errMsg string) {
	if st.Secret == "" {
		secret, uri, err := s.svc.HostedTOTPSetup(r.Context(), a, u)
		if err != nil {
			errorPage(w, http.StatusInternalServerError, "Internal error")
			return
		}
		st.Secret, st.URI = secret, uri
	}
	qr, err := qrDataURI(st.URI)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	sealed, err := s.svc.Sealer().Seal(totpSetupPurpose, s.svc.Now().Add(mfaPageTTL), st)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	q, _ := url.ParseQuery(st.Query)
	writePage(w, s.styled(r, a, page{Title: "Set up an authenticator app", Error: errMsg, QR: qr, Secret: st.Secret,
		Notice: "This account needs a second factor: scan the code with an authenticator app, then enter the code it shows.",
		Form:   &form{Action: "/mfaSetup", Sealed: sealed, Fields: []field{codeField}, Submit: "Sign in"},
		Links:  []providerLink{{Name: "Back to sign in", URL: "/login?" + q.Encode()}}}))
}

// qrDataURI draws an otpauth:// URI as a QR code, a PNG data URI.
func qrDataURI(uri string) (template.URL, error) {
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return "", err
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

func (s *Server) totpSetupPost(w http.ResponseWriter, r *http.Request) {
	var st totpSetupState
	a, ok := s.resumeForm(w, r, totpSetupPurpose, "s", &st, func() string { return st.Query })
	if !ok {
		return
	}
	if err := s.svc.HostedTOTPActivate(r.Context(), a, st.Sub, st.Secret, r.PostForm.Get("code")); err != nil {
		s.totpSetupPage(w, r, a, st, storage.User{}, "Incorrect code: "+errText(err))
		return
	}
	s.finish(w, r, a, st.Sub)
}
