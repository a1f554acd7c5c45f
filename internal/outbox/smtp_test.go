package outbox

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// smtpSink is a minimal SMTP server: it accepts one message and hands over
// its DATA.
func smtpSink(t *testing.T) (string, <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		defer ln.Close()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
		say("220 sink")
		var data strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if line == ".\r\n" {
					inData = false
					got <- data.String()
					say("250 ok")
					continue
				}
				data.WriteString(line)
				continue
			}
			switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
			case "EHLO", "HELO":
				say("250 sink")
			case "DATA":
				inData = true
				say("354 go on")
			case "QUIT":
				say("221 bye")
				return
			default:
				say("250 ok")
			}
		}
	}()
	return ln.Addr().String(), got
}

func TestSMTPDelivery(t *testing.T) {
	addr, got := smtpSink(t)
	o := New("").WithSMTP(&SMTP{Addr: addr, From: "no-reply@cognitod.local"})
	err := o.Send(Message{Time: time.Now(), PoolID: "p", Username: "alice", Reason: "SignUp", Medium: "EMAIL", Destination: "alice@example.com", Code: "123456"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case body := <-got:
		if !strings.Contains(body, "To: alice@example.com") || !strings.Contains(body, "Your verification code is 123456") {
			t.Fatalf("mail: %q", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no mail")
	}
	if msgs, _ := o.List("p", "alice"); len(msgs) != 1 {
		t.Fatal("not kept in the outbox too")
	}
}
