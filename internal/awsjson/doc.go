// Package awsjson is the AWS JSON 1.1 codec: it writes success bodies, error
// bodies with a bare `__type` and a matching X-Amzn-ErrorType header, and the
// epoch-second timestamps the SDKs expect.
package awsjson
