package hostedui

import (
	"net/http"
	"net/url"
	"time"

	"github.com/cognitod/cognitod/internal/userpool"
)

// The account pages beside sign-in: sign-up and its code, a forgotten
// password's code and new password, and the new password a user with a
// temporary one chooses. Each step's form carries the authorization
// request and the user, sealed; the last step signs the user in as the
// sign-in page does.

// accountState rides, sealed, in an account page's form.
type accountState struct {
	Query    string `json:"q"`
	Username string `json:"u,omitempty"`
	Sub      string `json:"sub,omitempty"`
}

const accountPurpose = "hosted-account"

// accountPage renders one step: its form posts back st, sealed.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState, pg page) {
	sealed, err := s.svc.Sealer().Seal(accountPurpose, s.svc.Now().Add(time.Hour), st)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	pg.Form.Sealed = sealed
	q, _ := url.ParseQuery(st.Query)
	pg.Links = append(pg.Links, providerLink{Name: "Back to sign in", URL: "/login?" + q.Encode()})
	writePage(w, s.styled(r, a, pg))
}

// openAccount opens a posted account step: its state and authorization.
func (s *Server) openAccount(w http.ResponseWriter, r *http.Request) (*userpool.Authorization, accountState, bool) {
	var st accountState
	a, ok := s.resumeForm(w, r, accountPurpose, "s", &st, func() string { return st.Query })
	return a, st, ok
}

var (
	passwordField = field{Label: "Password", Name: "password", Type: "password", Autocomplete: "new-password", Required: true}
	codeField     = field{Label: "Code", Name: "code", Type: "text", Autocomplete: "one-time-code", Required: true}
)

// labels of the attributes a sign-up page may ask for.
var attributeLabels = map[string]string{"email": "Email", "phone_number": "Phone number", "name": "Name", "given_name": "Given name",
	"family_name": "Family name", "preferred_username": "Preferred username", "birthdate": "Birthdate", "address": "Address"}

func attributeField(name, value string) field {
	label, ok := attributeLabels[name]
	if !ok {
		label = name
	}
	typ := "text"
	switch name {
	case "email":
		typ = "email"
	case "phone_number":
		typ = "tel"
	}
	return field{Label: label, Name: "attr_" + name, Type: typ, Value: value, Required: true}
}

// signUpPage renders the sign-up form (values: what was typed before).
func (s *Server) signUpPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, rawQuery, errMsg string, values url.Values) {
	f, err := s.svc.HostedSignUpForm(r.Context(), a)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	if !f.Allowed {
		errorPage(w, http.StatusBadRequest, "SignUp is not permitted for this user pool")
		return
	}
	var fields []field
	if f.UsernameAttribute == "" {
		fields = append(fields, field{Label: "Username", Name: "username", Type: "text", Autocomplete: "username", Value: values.Get("username"), Required: true})
	} else {
		uf := attributeField(f.UsernameAttribute, values.Get("username"))
		uf.Name, uf.Autocomplete = "username", "username"
		fields = append(fields, uf)
	}
	for _, name := range f.Attributes {
		fields = append(fields, attributeField(name, values.Get("attr_"+name)))
	}
	fields = append(fields, passwordField)
	s.accountPage(w, r, a, accountState{Query: rawQuery}, page{Title: "Sign up", Error: errMsg,
		Form: &form{Action: "/signup", Fields: fields, Submit: "Sign up"}})
}

func (s *Server) signUpGet(w http.ResponseWriter, r *http.Request) {
	a, ok := s.check(w, r, authorizeRequest(r.URL.Query()))
	if !ok {
		return
	}
	s.signUpPage(w, r, a, r.URL.RawQuery, "", url.Values{})
}

func (s *Server) signUpPost(w http.ResponseWriter, r *http.Request) {
	a, st, ok := s.openAccount(w, r)
	if !ok {
		return
	}
	f, err := s.svc.HostedSignUpForm(r.Context(), a)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	username := r.PostForm.Get("username")
	attrs := map[string]string{}
	for _, name := range f.Attributes {
		attrs[name] = r.PostForm.Get("attr_" + name)
	}
	if f.UsernameAttribute != "" {
		attrs[f.UsernameAttribute] = username
	}
	confirmed, sent, err := s.svc.HostedSignUp(r.Context(), a, username, r.PostForm.Get("password"), attrs)
	if err != nil {
		s.signUpPage(w, r, a, st.Query, errText(err), r.PostForm)
		return
	}
	st.Username = username
	if confirmed {
		s.signInUser(w, r, a, st)
		return
	}
	s.confirmPage(w, r, a, st, "", sentNotice(sent))
}

// sentNotice says where a code went.
func sentNotice(sent *userpool.CodeDeliveryDetailsType) string {
	if sent == nil {
		return ""
	}
	return "We have sent a code to " + sent.Destination + "."
}

// confirmPage asks for a sign-up's code.
func (s *Server) confirmPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState, errMsg, notice string) {
	s.accountPage(w, r, a, st, page{Title: "Confirm your account", Error: errMsg, Notice: notice,
		Form: &form{Action: "/confirm", Fields: []field{codeField}, Submit: "Confirm account", Alternate: "Resend code"}})
}

// resendAndConfirm sends an unconfirmed user a new code and asks for it.
func (s *Server) resendAndConfirm(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState) {
	sent, err := s.svc.HostedResendCode(r.Context(), a, st.Username)
	if err != nil {
		s.confirmPage(w, r, a, st, errText(err), "")
		return
	}
	s.confirmPage(w, r, a, st, "", "Your account is not confirmed yet. "+sentNotice(sent))
}

func (s *Server) confirmPost(w http.ResponseWriter, r *http.Request) {
	a, st, ok := s.openAccount(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("action") == "alternate" {
		s.resendAndConfirm(w, r, a, st)
		return
	}
	u, err := s.svc.HostedConfirmSignUp(r.Context(), a, st.Username, r.PostForm.Get("code"))
	if err != nil {
		s.confirmPage(w, r, a, st, errText(err), "")
		return
	}
	s.passwordDone(w, r, a, st.Query, u)
}

// signInUser signs in a user who just proved itself (a confirmed sign-up):
// a second factor if it has one, then the application.
func (s *Server) signInUser(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState) {
	u, err := s.svc.HostedUser(r.Context(), a, st.Username)
	if err != nil {
		s.render(w, r, a, st.Query, errText(err), st.Username)
		return
	}
	s.passwordDone(w, r, a, st.Query, u)
}

func (s *Server) forgotGet(w http.ResponseWriter, r *http.Request) {
	a, ok := s.check(w, r, authorizeRequest(r.URL.Query()))
	if !ok {
		return
	}
	s.forgotPage(w, r, a, accountState{Query: r.URL.RawQuery}, "")
}

func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState, errMsg string) {
	s.accountPage(w, r, a, st, page{Title: "Forgot your password?", Error: errMsg,
		Form: &form{Action: "/forgotPassword", Fields: []field{{Label: "Username", Name: "username", Type: "text", Autocomplete: "username", Required: true}},
			Submit: "Reset my password"}})
}

func (s *Server) forgotPost(w http.ResponseWriter, r *http.Request) {
	a, st, ok := s.openAccount(w, r)
	if !ok {
		return
	}
	st.Username = r.PostForm.Get("username")
	s.startReset(w, r, a, st, "")
}

// startReset sends a reset code and asks for it and the new password.
func (s *Server) startReset(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState, why string) {
	sent, err := s.svc.HostedForgotPassword(r.Context(), a, st.Username)
	if err != nil {
		s.forgotPage(w, r, a, st, errText(err))
		return
	}
	s.resetPage(w, r, a, st, "", why+sentNotice(sent))
}

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState, errMsg, notice string) {
	pw := passwordField
	pw.Label = "New password"
	s.accountPage(w, r, a, st, page{Title: "Reset your password", Error: errMsg, Notice: notice,
		Form: &form{Action: "/confirmForgotPassword", Fields: []field{codeField, pw}, Submit: "Change password"}})
}

func (s *Server) resetPost(w http.ResponseWriter, r *http.Request) {
	a, st, ok := s.openAccount(w, r)
	if !ok {
		return
	}
	if err := s.svc.HostedConfirmForgotPassword(r.Context(), a, st.Username, r.PostForm.Get("code"), r.PostForm.Get("password")); err != nil {
		s.resetPage(w, r, a, st, errText(err), "")
		return
	}
	s.renderLogin(w, r, a, st.Query, page{Title: "Sign in", Notice: "Your password has been changed: sign in with it.", Username: st.Username})
}

// newPasswordPage asks a user with a temporary password for its own.
func (s *Server) newPasswordPage(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st accountState, errMsg string) {
	pw, again := passwordField, passwordField
	pw.Label, again.Label, again.Name = "New password", "Enter the new password again", "password2"
	s.accountPage(w, r, a, st, page{Title: "Change your password", Error: errMsg, Notice: "Choose a new password to go on.",
		Form: &form{Action: "/newPassword", Fields: []field{pw, again}, Submit: "Send"}})
}

func (s *Server) newPasswordPost(w http.ResponseWriter, r *http.Request) {
	a, st, ok := s.openAccount(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("password") != r.PostForm.Get("password2") {
		s.newPasswordPage(w, r, a, st, "The passwords do not match.")
		return
	}
	u, err := s.svc.HostedNewPassword(r.Context(), a, st.Sub, r.PostForm.Get("password"))
	if err != nil {
		s.newPasswordPage(w, r, a, st, errText(err))
		return
	}
	s.passwordDone(w, r, a, st.Query, u)
}
