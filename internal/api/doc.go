// Package api serves the cognito-idp JSON API: one operations table keyed by
// X-Amz-Target, and one dispatcher that does the shared steps in order for
// every call (method and content type, target, body cap, SigV4 unless the
// operation is anonymous, decode, model validation, call, encode, one log
// line), so that no handler can forget one. Handlers never touch HTTP.
package api
