package userpool

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"math/big"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/outbox"
	"github.com/cognitod/cognitod/internal/storage"
)

// CodeDeliveryDetailsType tells where a code went, masked as Cognito masks it.
type CodeDeliveryDetailsType struct {
	Destination    string `json:"Destination"`
	DeliveryMedium string `json:"DeliveryMedium"`
	AttributeName  string `json:"AttributeName"`
}

// mask hides most of an address: a***@e***, +*******1234.
func mask(medium, dest string) string {
	if medium == "EMAIL" {
		local, domain, _ := strings.Cut(dest, "@")
		first := func(s string) string {
			if s == "" {
				return ""
			}
			return s[:1]
		}
		return first(local) + "***@" + first(domain) + "***"
	}
	if len(dest) <= 4 {
		return dest
	}
	return "+" + strings.Repeat("*", len(dest)-5) + dest[len(dest)-4:]
}

// destination picks where a message for u goes: the email or phone number,
// preferring the mediums asked for.
func destination(u *storage.User, mediums []string) (medium, attrName, dest string) {
	email, _ := attr(u, "email")
	phone, _ := attr(u, "phone_number")
	for _, m := range mediums {
		if m == "EMAIL" && email != "" {
			return "EMAIL", "email", email
		}
		if m == "SMS" && phone != "" {
			return "SMS", "phone_number", phone
		}
	}
	if email != "" {
		return "EMAIL", "email", email
	}
	if phone != "" {
		return "SMS", "phone_number", phone
	}
	return "", "", ""
}

// delivery is one message to send.
type delivery struct {
	reason, code, temp string
	medium, attr, dest string
	clientID           string
	tmpl               *messageTemplate // from CustomMessage, when asked already
	mediums            []string         // DesiredDeliveryMediums, to pick dest
}

// messageTemplate is what a CustomMessage trigger answered.
type messageTemplate struct {
	Subject, Email, SMS string
}

// customMessageSource maps a delivery reason to the trigger's source.
var customMessageSource = map[string]string{
	"SignUp": "CustomMessage_SignUp", "AdminCreateUser": "CustomMessage_AdminCreateUser", "ResendCode": "CustomMessage_ResendCode",
	"ForgotPassword": "CustomMessage_ForgotPassword", "AdminResetUserPassword": "CustomMessage_ForgotPassword",
	"UpdateUserAttribute": "CustomMessage_UpdateUserAttribute", "VerifyUserAttribute": "CustomMessage_VerifyUserAttribute",
	"Authentication": "CustomMessage_Authentication",
}

// customMessage asks the CustomMessage trigger, if configured, for the text
// of a message; codes stay placeholders ({####}, {username}) until sent.
func (s *Service) customMessage(ctx context.Context, p *pool, u *storage.User, clientID, reason string) (*messageTemplate, error) {
	arn := s.lambdaARN(p, "CustomMessage")
	if arn == "" {
		return nil, nil
	}
	req := map[string]any{"userAttributes": userAttributesForTrigger(u), "codeParameter": "{####}", "linkParameter": "{##Click Here##}",
		"clientMetadata": map[string]string{}}
	if reason == "AdminCreateUser" {
		req["usernameParameter"] = "{username}"
	}
	out, err := s.triggers.Invoke(ctx, "CustomMessage", arn, s.triggerEvent(p, customMessageSource[reason], u.Username, clientID, req,
		map[string]any{"smsMessage": nil, "emailMessage": nil, "emailSubject": nil}))
	if err != nil {
		return nil, err
	}
	r, _ := out["response"].(map[string]any)
	t := &messageTemplate{}
	t.Subject, _ = r["emailSubject"].(string)
	t.Email, _ = r["emailMessage"].(string)
	t.SMS, _ = r["smsMessage"].(string)
	return t, nil
}

// send puts a message in the outbox (and the SMTP server, when set); it
// answers where it went, or nil when the user has nowhere to receive it.
func (s *Service) send(ctx context.Context, p *pool, u *storage.User, d delivery) (*CodeDeliveryDetailsType, error) {
	if d.dest == "" && d.reason == "AdminCreateUser" {
		// An invitation goes wherever the user can receive it.
		d.medium, d.attr, d.dest = destination(u, d.mediums)
	}
	if d.dest == "" {
		return nil, nil
	}
	if d.tmpl == nil {
		t, err := s.customMessage(ctx, p, u, d.clientID, d.reason)
		if err != nil {
			return nil, err
		}
		d.tmpl = t
	}
	if d.tmpl == nil {
		d.tmpl = p.messageTemplate(d.reason)
	}
	msg := outbox.Message{Time: s.clock(), PoolID: p.ID, Username: u.Username, Reason: d.reason, Medium: d.medium,
		Destination: d.dest, AttributeName: d.attr, Code: d.code, TemporaryPassword: d.temp}
	if d.tmpl != nil {
		body := d.tmpl.Email
		if d.medium == "SMS" {
			body = d.tmpl.SMS
		}
		secret := d.code
		if secret == "" {
			secret = d.temp
		}
		msg.Subject = d.tmpl.Subject
		msg.Body = strings.NewReplacer("{####}", secret, "{username}", u.Username).Replace(body)
		if d.medium == "EMAIL" && (d.reason == "SignUp" || d.reason == "ResendCode") {
			msg.Body = s.withConfirmLink(msg.Body, d.clientID, u.Username, d.code)
		}
	}
	if err := s.outbox.Send(msg); err != nil {
		s.log.Error("outbox write failed", "pool", p.ID, "reason", d.reason, "error", err.Error())
	}
	return &CodeDeliveryDetailsType{Destination: mask(d.medium, d.dest), DeliveryMedium: d.medium, AttributeName: d.attr}, nil
}

// codeRecord is a one-time code kept (hashed) on the user.
type codeRecord struct {
	Hash    string `json:"hash"`
	Expires int64  `json:"exp"`
	Attr    string `json:"attr,omitempty"`
}

// Code purposes.
const (
	codeSignUp = "signup"
	codeForgot = "forgot"
	codeVerify = "verify:" // + attribute name
	codeMFA    = "mfa"     // a second factor's code sent by SMS or email
)

func hashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// newCode stores a fresh 6-digit code for purpose on u (inside an update)
// and returns it.
func newCode(u *storage.User, purpose, attrName string, validity time.Duration, now time.Time) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1000000))
	code := fmt.Sprintf("%06d", n.Int64())
	x := extraOf(u)
	if x.Codes == nil {
		x.Codes = map[string]codeRecord{}
	}
	x.Codes[purpose] = codeRecord{Hash: hashCode(code), Expires: now.Add(validity).UnixMilli(), Attr: attrName}
	u.Extra = mustJSON(x)
	return code
}

type codeCheck int

const (
	codeOK codeCheck = iota
	codeMismatch
	codeExpired
)

// useCode checks and, when right, consumes a code.
func useCode(u *storage.User, purpose, code string, now time.Time) (codeCheck, string) {
	x := extraOf(u)
	rec, ok := x.Codes[purpose]
	if !ok {
		return codeExpired, ""
	}
	if subtle.ConstantTimeCompare([]byte(hashCode(code)), []byte(rec.Hash)) != 1 {
		return codeMismatch, ""
	}
	if now.UnixMilli() > rec.Expires {
		return codeExpired, ""
	}
	delete(x.Codes, purpose)
	u.Extra = mustJSON(x)
	return codeOK, rec.Attr
}

// messageTemplate is the pool's own text for a message (nil: Cognito's
// default text, which the outbox's SMTP delivery writes):
// AdminCreateUserConfig's InviteMessageTemplate for invitations,
// SmsAuthenticationMessage and EmailMfaConfiguration for sign-in codes, and
// VerificationMessageTemplate (or the older SmsVerificationMessage,
// EmailVerificationMessage and EmailVerificationSubject) for the rest.
func (p *pool) messageTemplate(reason string) *messageTemplate {
	var t messageTemplate
	switch reason {
	case "AdminCreateUser":
		var c struct {
			InviteMessageTemplate struct{ SMSMessage, EmailMessage, EmailSubject string }
		}
		_ = json.Unmarshal(p.cfg["AdminCreateUserConfig"], &c)
		t = messageTemplate{Subject: c.InviteMessageTemplate.EmailSubject, Email: c.InviteMessageTemplate.EmailMessage, SMS: c.InviteMessageTemplate.SMSMessage}
	case "Authentication":
		var email struct{ Message, Subject string }
		_ = json.Unmarshal(p.mfaConfig().EmailMfaConfiguration, &email)
		t = messageTemplate{Subject: email.Subject, Email: email.Message, SMS: str(p.cfg["SmsAuthenticationMessage"])}
	default:
		var v struct {
			SmsMessage, EmailMessage, EmailSubject string
			EmailMessageByLink, EmailSubjectByLink string
			DefaultEmailOption                     string
		}
		_ = json.Unmarshal(p.cfg["VerificationMessageTemplate"], &v)
		t = messageTemplate{Subject: v.EmailSubject, Email: v.EmailMessage, SMS: v.SmsMessage}
		if v.DefaultEmailOption == "CONFIRM_WITH_LINK" && (reason == "SignUp" || reason == "ResendCode") {
			// Cognito's own text when the pool gives none.
			t.Subject, t.Email = cmp.Or(v.EmailSubjectByLink, "Your verification link"),
				cmp.Or(v.EmailMessageByLink, "Please click the link below to verify your email address. {##Verify Email##}")
		}
		for _, f := range []struct {
			to     *string
			member string
		}{{&t.Subject, "EmailVerificationSubject"}, {&t.Email, "EmailVerificationMessage"}, {&t.SMS, "SmsVerificationMessage"}} {
			if *f.to == "" {
				*f.to = str(p.cfg[f.member])
			}
		}
	}
	if t == (messageTemplate{}) {
		return nil
	}
	return &t
}

// confirmLink is the {##text##} a message by link carries.
var confirmLink = regexp.MustCompile(`\{##(.*?)##\}`)

// withConfirmLink renders a sign-up email's {##text##} as a link to the
// hosted /confirmUser page that confirms the user with its code.
func (s *Service) withConfirmLink(body, clientID, username, code string) string {
	href := s.baseURL + "/confirmUser?" + url.Values{"client_id": {clientID}, "user_name": {username}, "confirmation_code": {code}}.Encode()
	return confirmLink.ReplaceAllStringFunc(body, func(m string) string {
		text := confirmLink.FindStringSubmatch(m)[1]
		return `<a href="` + html.EscapeString(href) + `">` + html.EscapeString(text) + `</a>`
	})
}
