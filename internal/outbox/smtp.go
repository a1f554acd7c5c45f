package outbox

import (
	"fmt"
	"net/smtp"
	"strings"
	"time"
)

// SMTP delivers EMAIL messages to a mail server as well (for example a local
// MailHog or Mailpit); SMS messages stay in the outbox only.
type SMTP struct {
	Addr string // host:port
	From string
	Auth smtp.Auth // nil: no authentication
}

// WithSMTP makes the outbox also mail EMAIL messages through s.
func (o *Outbox) WithSMTP(s *SMTP) *Outbox {
	o.smtp = s
	return o
}

func (s *SMTP) send(m Message) error {
	subject, body := text(m)
	msg := strings.Join([]string{
		"From: " + s.From,
		"To: " + m.Destination,
		"Subject: " + subject,
		"Date: " + m.Time.Format(time.RFC1123Z),
		"Content-Type: text/plain; charset=utf-8",
		"",
		body,
	}, "\r\n")
	return smtp.SendMail(s.Addr, s.Auth, s.From, []string{m.Destination}, []byte(msg))
}

// text is the subject and body Cognito's default messages carry.
func text(m Message) (subject, body string) {
	if m.Body != "" {
		subject = m.Subject
		if subject == "" {
			subject = "Your verification code"
		}
		return subject, m.Body
	}
	switch {
	case m.TemporaryPassword != "":
		return "Your temporary password", fmt.Sprintf("Your username is %s and temporary password is %s.", m.Username, m.TemporaryPassword)
	case m.Reason == "ForgotPassword" || m.Reason == "AdminResetUserPassword":
		return "Your password reset code", "Your password reset code is " + m.Code
	default:
		return "Your verification code", "Your verification code is " + m.Code
	}
}
