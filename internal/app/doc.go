// Package app wires cognitod together: configuration, storage, the domain
// service, the HTTP server (API, health, metrics), and a graceful shutdown
// that finishes in-flight calls and closes the database cleanly.
package app
