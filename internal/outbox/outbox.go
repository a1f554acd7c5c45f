package outbox

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Message is one message cognitod would have delivered.
type Message struct {
	Time              time.Time `json:"time"`
	PoolID            string    `json:"userPoolId"`
	Username          string    `json:"username"`
	Reason            string    `json:"reason"` // SignUp, ResendCode, ForgotPassword, AdminCreateUser, AdminResetUserPassword, VerifyUserAttribute, UpdateUserAttribute
	Medium            string    `json:"deliveryMedium"`
	Destination       string    `json:"destination"`
	AttributeName     string    `json:"attributeName,omitempty"`
	Code              string    `json:"code,omitempty"`
	TemporaryPassword string    `json:"temporaryPassword,omitempty"`
	// Subject and Body are the text a CustomMessage trigger or the pool's
	// templates made, rendered (none: Cognito's default text).
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
}

// Outbox stores messages: in a file when it has a path, else in memory.
type Outbox struct {
	mu   sync.Mutex
	path string
	mem  []Message
	smtp *SMTP
}

// New makes an outbox writing to path ("" keeps messages in memory).
func New(path string) *Outbox { return &Outbox{path: path} }

// Send records a message, and mails it when an SMTP server is configured.
// The mail goes out after the record is kept, outside the outbox lock.
func (o *Outbox) Send(m Message) error {
	if err := o.keep(m); err != nil {
		return err
	}
	if o.smtp != nil && m.Medium == "EMAIL" {
		return o.smtp.send(m)
	}
	return nil
}

func (o *Outbox) keep(m Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.path == "" {
		o.mem = append(o.mem, m)
		return nil
	}
	f, err := os.OpenFile(o.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	line, _ := json.Marshal(m)
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// List returns the messages, optionally of one pool and user.
func (o *Outbox) List(poolID, username string) ([]Message, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	all := o.mem
	if o.path != "" {
		all = nil
		f, err := os.Open(o.path)
		if os.IsNotExist(err) {
			return []Message{}, nil
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var m Message
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				all = append(all, m)
			}
		}
	}
	out := []Message{}
	for _, m := range all {
		if (poolID == "" || m.PoolID == poolID) && (username == "" || m.Username == username) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Handler serves GET ?userPoolId=&username= to loopback callers only: the
// messages hold codes and temporary passwords.
func (o *Outbox) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			http.Error(w, "the outbox is served to loopback callers only", http.StatusForbidden)
			return
		}
		msgs, err := o.List(r.URL.Query().Get("userPoolId"), r.URL.Query().Get("username"))
		if err != nil {
			http.Error(w, "outbox unreadable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(msgs)
	})
}
