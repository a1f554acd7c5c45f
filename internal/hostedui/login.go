package hostedui

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/userpool"
)

var randRead = rand.Read

type page struct {
	Title    string
	Error    string
	Notice   string
	Sealed   string
	Username string
	// UsernameLabel names the sign-in form's first field: Username, or
	// the attribute a pool signs users in with (Email, Phone number).
	UsernameLabel string
	Providers     []providerLink
	Native        bool
	// MFA, when set, asks for a second factor's code with this label
	// (Sealed is then the sign-in so far, see mfaState).
	MFA string
	// CSS and Logo are the pool's UI customization (CSS checked by
	// SetUICustomization: customizable classes only, no < or >).
	CSS  template.CSS
	Logo string
	// Form is an account step's form (sign-up, codes, new passwords).
	Form *form
	// Links lead to the other account pages (sign-up, forgotten password).
	Links []providerLink
	// QR and Secret set up an authenticator app: the otpauth:// URI as a
	// PNG data URI (generated here, so trusted), and the secret to type.
	QR     template.URL
	Secret string
	// Passkeys offers passkey sign-in on the sign-in form; PasskeyOptions
	// is the passkey page's request options (JSON made here, so trusted).
	Passkeys       bool
	PasskeyOptions template.JS
	// EmailCodes and SMSCodes offer sign-in with a code sent by email or
	// text message.
	EmailCodes, SMSCodes bool
	// PasskeyCreate is the passkey registration page's creation options
	// (JSON made here, so trusted).
	PasskeyCreate template.JS
}

// form is one account step: fields posted to Action with the step's
// sealed state; Alternate is a second button (resend a code).
type form struct {
	Action    string
	Sealed    string
	Fields    []field
	Submit    string
	Alternate string
}

type field struct {
	Label, Name, Type, Autocomplete, Value string
	Required                               bool
}

type providerLink struct {
	Name string
	URL  string
}

// pageTmpl is the hosted sign-in page: plain HTML, no external assets,
// labelled fields, errors announced to assistive technology.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;justify-content:center}
main{background:#fff;margin:3rem 1rem;padding:2rem;border-radius:8px;max-width:22rem;width:100%;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem;border:1px solid #888;border-radius:4px}
button,.idp{display:block;width:100%;box-sizing:border-box;margin-top:1rem;padding:.6rem;font-size:1rem;border-radius:4px;text-align:center;text-decoration:none}
button{background:#1f5fbf;color:#fff;border:0;cursor:pointer}
.idp{border:1px solid #1f5fbf;color:#1f5fbf}
.error{color:#a00000;background:#fde8e8;padding:.6rem;border-radius:4px}
.or{text-align:center;color:#555;margin-top:1.2rem}
.notice{color:#114411;background:#e6f4e6;padding:.6rem;border-radius:4px}
.links{display:flex;justify-content:space-between;margin-top:1rem}
button.alternate{background:#fff;color:#1f5fbf;border:1px solid #1f5fbf}
.logo-customizable{display:block;max-width:100%;max-height:5rem;margin:0 auto 1rem}
</style>
{{if .CSS}}<style>{{.CSS}}</style>{{end}}
</head>
<body class="background-customizable">
<main>
{{if .Logo}}<div class="banner-customizable"><img class="logo-customizable" src="{{.Logo}}" alt="Logo"></div>{{end}}
<h1 class="textDescription-customizable">{{.Title}}</h1>
{{if .Error}}<p class="error errorMessage-customizable" role="alert" id="error">{{.Error}}</p>{{end}}
{{if .Notice}}<p class="notice" role="status" id="notice">{{.Notice}}</p>{{end}}
{{range .Providers}}<a class="idp idpButton-customizable" href="{{.URL}}">Continue with {{.Name}}</a>
{{end}}
{{if .MFA}}<form method="post" action="/mfa">
<input type="hidden" name="m" value="{{.Sealed}}">
<label class="label-customizable" for="code">{{.MFA}}</label>
<input class="inputField-customizable" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button class="submitButton-customizable" type="submit">Sign in</button>
</form>{{end}}
{{if .Native}}{{if .Providers}}<p class="or">or</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="q" value="{{.Sealed}}">
<label class="label-customizable" for="username">{{or .UsernameLabel "Username"}}</label>
<input class="inputField-customizable" id="username" name="username" autocomplete="username" value="{{.Username}}" required>
<label class="label-customizable" for="password">Password</label>
<input class="inputField-customizable" id="password" name="password" type="password" autocomplete="current-password" required>
<button class="submitButton-customizable" type="submit">Sign in</button>
{{if .Passkeys}}<button class="alternate" id="passkey" type="submit" name="action" value="passkey" formnovalidate>Sign in with a passkey</button>{{end}}
{{if .EmailCodes}}<button class="alternate" id="email-code" type="submit" name="action" value="EMAIL_OTP" formnovalidate>Email me a sign-in code</button>{{end}}
{{if .SMSCodes}}<button class="alternate" id="sms-code" type="submit" name="action" value="SMS_OTP" formnovalidate>Text me a sign-in code</button>{{end}}
</form>{{end}}
{{if or .PasskeyOptions .PasskeyCreate}}<script>
// base64url to bytes and back: WebAuthn's binary fields travel as base64url.
var b64 = function (s) { s = s.replace(/-/g, "+").replace(/_/g, "/"); return Uint8Array.from(atob(s), function (c) { return c.charCodeAt(0); }); };
var b64url = function (buf) {
  var bytes = new Uint8Array(buf), s = "";
  for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
</script>{{end}}
{{if .PasskeyOptions}}<form method="post" action="/passkey" id="passkey-form">
<input type="hidden" name="p" value="{{.Sealed}}">
<input type="hidden" name="credential" id="credential">
<p id="passkey-status" role="status">Use your passkey to sign in.</p>
<button class="submitButton-customizable" type="button" id="passkey-go">Use my passkey</button>
</form>
<script type="application/json" id="passkey-options">{{.PasskeyOptions}}</script>
<script>
(function () {
  var go = function () {
    var o = JSON.parse(document.getElementById("passkey-options").textContent);
    o.challenge = b64(o.challenge);
    (o.allowCredentials || []).forEach(function (c) { c.id = b64(c.id); });
    navigator.credentials.get({ publicKey: o }).then(function (cred) {
      var r = cred.response;
      document.getElementById("credential").value = JSON.stringify({
        id: cred.id, rawId: b64url(cred.rawId), type: cred.type,
        response: { clientDataJSON: b64url(r.clientDataJSON), authenticatorData: b64url(r.authenticatorData),
          signature: b64url(r.signature), userHandle: r.userHandle ? b64url(r.userHandle) : null },
        clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
      });
      document.getElementById("passkey-form").submit();
    }, function (err) {
      document.getElementById("passkey-status").textContent = "The passkey was not used (" + err.name + "): try again, or go back and sign in with your password.";
    });
  };
  document.getElementById("passkey-go").addEventListener("click", go);
  go();
})();
</script>{{end}}
{{if .PasskeyCreate}}<form method="post" action="/passkeys/add" id="passkey-add-form">
<input type="hidden" name="s" value="{{.Sealed}}">
<input type="hidden" name="credential" id="credential">
<p id="passkey-status" role="status">Your browser will ask you to create a passkey for this account.</p>
<button class="submitButton-customizable" type="button" id="passkey-create">Add a passkey</button>
</form>
<script type="application/json" id="passkey-creation">{{.PasskeyCreate}}</script>
<script>
(function () {
  document.getElementById("passkey-create").addEventListener("click", function () {
    var o = JSON.parse(document.getElementById("passkey-creation").textContent);
    o.challenge = b64(o.challenge);
    o.user.id = b64(o.user.id);
    (o.excludeCredentials || []).forEach(function (c) { c.id = b64(c.id); });
    navigator.credentials.create({ publicKey: o }).then(function (cred) {
      var r = cred.response;
      document.getElementById("credential").value = JSON.stringify({
        id: cred.id, rawId: b64url(cred.rawId), type: cred.type, authenticatorAttachment: cred.authenticatorAttachment || undefined,
        response: { clientDataJSON: b64url(r.clientDataJSON), attestationObject: b64url(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : [] },
        clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
      });
      document.getElementById("passkey-add-form").submit();
    }, function (err) {
      document.getElementById("passkey-status").textContent = "No passkey was created (" + err.name + "): try again, or choose Not now.";
    });
  });
})();
</script>{{end}}
{{if .QR}}<img id="qr" src="{{.QR}}" alt="QR code of the secret for an authenticator app" width="200" height="200">
<p>Or type this secret: <code id="secret">{{.Secret}}</code></p>{{end}}
{{with .Form}}<form method="post" action="{{.Action}}">
<input type="hidden" name="s" value="{{.Sealed}}">
{{range .Fields}}<label class="label-customizable" for="{{.Name}}">{{.Label}}</label>
<input class="inputField-customizable" id="{{.Name}}" name="{{.Name}}" type="{{.Type}}" autocomplete="{{.Autocomplete}}" value="{{.Value}}"{{if .Required}} required{{end}}>
{{end}}<button class="submitButton-customizable" type="submit" name="action" value="submit">{{.Submit}}</button>
{{if .Alternate}}<button class="alternate" type="submit" name="action" value="alternate" formnovalidate>{{.Alternate}}</button>{{end}}
</form>{{end}}
{{if .Links}}<p class="links">{{range .Links}}<a class="redirect-customizable" href="{{.URL}}">{{.Name}}</a>{{end}}</p>{{end}}
</main>
</body>
</html>`))

func (s *Server) render(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, rawQuery, errMsg, username string) {
	s.renderLogin(w, r, a, rawQuery, page{Title: "Sign in", Error: errMsg, Username: username})
}

// renderLogin renders the sign-in page pg (its title, message and
// username) for the authorization request rawQuery.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, rawQuery string, pg page) {
	sealed, err := s.svc.Sealer().Seal("login", s.svc.Now().Add(time.Hour), rawQuery)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	pg.Sealed = sealed
	pg = s.styled(r, a, pg)
	q, _ := url.ParseQuery(rawQuery)
	q.Del("identity_provider")
	q.Del("idp_identifier")
	for _, name := range a.Providers {
		if name == "COGNITO" {
			pg.Native = true
			continue
		}
		q.Set("identity_provider", name)
		pg.Providers = append(pg.Providers, providerLink{Name: name, URL: "/oauth2/authorize?" + q.Encode()})
	}
	if len(a.Providers) == 0 {
		pg.Native = true
	}
	if pg.Native {
		pg.Passkeys, pg.EmailCodes, pg.SMSCodes = s.svc.HostedFirstFactors(r.Context(), a)
		q, _ := url.ParseQuery(rawQuery)
		pg.Links = append(pg.Links, providerLink{Name: "Forgot your password?", URL: "/forgotPassword?" + q.Encode()})
		if f, err := s.svc.HostedSignUpForm(r.Context(), a); err == nil {
			if f.Allowed {
				pg.Links = append(pg.Links, providerLink{Name: "Sign up", URL: "/signup?" + q.Encode()})
			}
			if f.UsernameAttribute != "" {
				pg.UsernameLabel = attributeField(f.UsernameAttribute, "").Label
			}
		}
	}
	writePage(w, pg)
}

// writePage answers a sign-in page, never cached nor framed; a page that
// reports an error answers 400.
func writePage(w http.ResponseWriter, pg page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	if pg.Error != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	_ = pageTmpl.Execute(w, pg)
}

// openForm reads a posted sign-in form and opens its sealed field into v;
// it answers false (and an error page) if either fails.
func (s *Server) openForm(w http.ResponseWriter, r *http.Request, purpose, field string, v any) bool {
	if err := r.ParseForm(); err != nil {
		errorPage(w, http.StatusBadRequest, "Malformed form")
		return false
	}
	if err := s.svc.Sealer().Open(purpose, r.PostForm.Get(field), s.svc.Now(), v); err != nil {
		errorPage(w, http.StatusBadRequest, "The sign-in page has expired; start again from the application.")
		return false
	}
	return true
}

// resumeForm opens a posted page's sealed state into v (see openForm) and
// checks the authorization request the page continues, whose query query
// reads from v; it answers false (and an error page) if any of it fails.
func (s *Server) resumeForm(w http.ResponseWriter, r *http.Request, purpose, field string, v any, query func() string) (*userpool.Authorization, bool) {
	if !s.openForm(w, r, purpose, field, v) {
		return nil, false
	}
	q, _ := url.ParseQuery(query())
	return s.check(w, r, authorizeRequest(q))
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	a, ok := s.check(w, r, authorizeRequest(r.URL.Query()))
	if !ok || s.resumeSession(w, r, a) {
		return
	}
	s.render(w, r, a, r.URL.RawQuery, "", "")
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	var rawQuery string
	a, ok := s.resumeForm(w, r, "login", "q", &rawQuery, func() string { return rawQuery })
	if !ok {
		return
	}
	switch r.PostForm.Get("action") {
	case "passkey":
		s.passkeyPage(w, r, a, rawQuery)
		return
	case "EMAIL_OTP", "SMS_OTP":
		s.signInCodePage(w, r, a, rawQuery, r.PostForm.Get("action"))
		return
	}
	u, err := s.svc.PasswordSignIn(r.Context(), a, r.PostForm.Get("username"), r.PostForm.Get("password"))
	if err != nil {
		s.render(w, r, a, rawQuery, errText(err), r.PostForm.Get("username"))
		return
	}
	switch u.Status {
	case userpool.StatusUnconfirmed:
		s.resendAndConfirm(w, r, a, accountState{Query: rawQuery, Username: u.Username})
	case userpool.StatusForceChangePassword:
		s.newPasswordPage(w, r, a, accountState{Query: rawQuery, Sub: u.Sub}, "")
	case userpool.StatusResetRequired:
		s.startReset(w, r, a, accountState{Query: rawQuery, Username: u.Username}, "Your password must be reset. ")
	default:
		s.passwordDone(w, r, a, rawQuery, u)
	}
}

// passwordDone goes on with a sign-in whose password was right: a second
// factor's code page, or the application.
func (s *Server) passwordDone(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, rawQuery string, u storage.User) {
	factor, sent, err := s.svc.HostedMFA(r.Context(), a, u)
	switch {
	case err != nil:
		s.render(w, r, a, rawQuery, "This user cannot sign in here: "+errText(err), u.Username)
	case factor == "setup":
		s.totpSetupPage(w, r, a, totpSetupState{Query: rawQuery, Sub: u.Sub}, u, "")
	case factor != "":
		st := mfaState{Query: rawQuery, Sub: u.Sub, Factor: factor, Prompt: "Code from your authenticator app"}
		if sent != nil {
			st.Prompt = "Code sent to " + sent.Destination
		}
		s.renderMFA(w, r, a, st, "")
	default:
		s.finish(w, r, a, u.Sub)
	}
}

// mfaState is the sign-in the code page continues: the authorization
// request and the user whose password was right.
type mfaState struct {
	Query  string `json:"q"`
	Sub    string `json:"sub"`
	Factor string `json:"f"`
	Prompt string `json:"p"`
}

// mfaPageTTL is how long the code page's form can be sent.
const mfaPageTTL = 3 * time.Minute

func (s *Server) renderMFA(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, st mfaState, errMsg string) {
	sealed, err := s.svc.Sealer().Seal("login-mfa", s.svc.Now().Add(mfaPageTTL), st)
	if err != nil {
		errorPage(w, http.StatusInternalServerError, "Internal error")
		return
	}
	writePage(w, s.styled(r, a, page{Title: "Multi-factor authentication", Error: errMsg, Sealed: sealed, MFA: st.Prompt}))
}

// mfaSubmit checks the code page's code and ends the sign-in.
func (s *Server) mfaSubmit(w http.ResponseWriter, r *http.Request) {
	var st mfaState
	a, ok := s.resumeForm(w, r, "login-mfa", "m", &st, func() string { return st.Query })
	if !ok {
		return
	}
	if err := s.svc.HostedMFACode(r.Context(), a, st.Sub, st.Factor, r.PostForm.Get("code")); err != nil {
		s.renderMFA(w, r, a, st, "Incorrect code: "+errText(err))
		return
	}
	s.finish(w, r, a, st.Sub)
}

// errText is what a page says of a service error: its Cognito message, or
// nothing of an internal one.
func errText(err error) string {
	if e, ok := apierr.As(err); ok {
		return e.Message
	}
	return "internal error."
}

// styled gives a page the pool's UI customization for the client.
func (s *Server) styled(r *http.Request, a *userpool.Authorization, pg page) page {
	css, logo := s.svc.HostedUI(r.Context(), a.PoolID, a.ClientID)
	pg.CSS, pg.Logo = template.CSS(css), logo
	return pg
}

// uiImage serves the logo of a pool's UI customization.
func (s *Server) uiImage(w http.ResponseWriter, r *http.Request) {
	img, ok := s.svc.UIImage(r.Context(), r.PathValue("pool"), r.PathValue("client"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", http.DetectContentType(img))
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(img)
}

// confirmUser confirms a sign-up from the link its email carried (pools
// that verify email by link).
func (s *Server) confirmUser(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := s.svc.ConfirmSignUpByLink(r.Context(), q.Get("client_id"), q.Get("user_name"), q.Get("confirmation_code")); err != nil {
		errorPage(w, http.StatusBadRequest, errText(err))
		return
	}
	writePage(w, page{Title: "Your registration has been confirmed!"})
}
