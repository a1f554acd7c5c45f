// Package triggers invokes a pool's Lambda triggers through the AWS Lambda
// Invoke API (POST /2015-03-31/functions/<name>/invocations, SigV4-signed for
// service lambda) at a configured endpoint, so that `sam local start-lambda`,
// LocalStack or any compatible server runs the user's real functions. It
// maps failures to Cognito's errors. It holds no lock and no transaction:
// triggers call back into cognitod.
package triggers
