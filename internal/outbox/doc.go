// Package outbox keeps the messages Cognito would send (confirmation codes,
// temporary passwords, reset codes) where a developer can read them: a
// JSON-lines file in the data dir, and a local-only HTTP listing. Nothing is
// sent to the outside world unless an SMTP server is configured, and then
// only email messages, to that server.
package outbox
