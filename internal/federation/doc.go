// Package federation speaks to external identity providers for the hosted
// sign-in: the OIDC code flow (discovery or explicit endpoints, code
// exchange, ID token verified with the IdP's JWKS, issuer, audience, expiry
// and nonce, userinfo by GET or POST) and the OAuth2 social providers
// (Google as OIDC; Facebook and Login with Amazon by their attributes URL).
// Every ProviderDetails endpoint can be overridden so that a local test IdP
// stands in for the real one.
package federation
