// Package hostedui serves cognitod's hosted endpoints: the discovery
// document and JWKS of each pool under /<poolId>/.well-known/; the OAuth2
// endpoints (authorize, token, userInfo, revoke, logout) and the IdP
// responses of federation; and the hosted pages: sign-in with its second
// factor (a code, or setting up an authenticator app), sign-up and its
// code, a forgotten password, and a temporary password's replacement.
package hostedui
