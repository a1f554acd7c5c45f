// Package tokens is the one place cognitod issues and verifies JWTs: per-pool
// RS256 signing keys (one for ID tokens, one for access tokens, each with its
// own kid, created on first use and kept in storage so that every node and
// every restart signs with the same keys), the JWKS and OpenID discovery
// documents, and verification of the tokens it issued.
package tokens
