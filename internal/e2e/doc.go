// Package e2e holds end-to-end tests: the real aws-sdk-go-v2 cognito-idp
// client against a real cognitod HTTP server (httptest, or the built binary),
// one file per operation group. It has no code of its own outside tests.
package e2e
