// Package hostedui serves cognitod's OpenID endpoints: the discovery document
// and JWKS of each pool under /<poolId>/.well-known/. The hosted sign-in and
// OAuth2 endpoints join it with federation.
package hostedui
