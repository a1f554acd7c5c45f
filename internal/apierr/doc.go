// Package apierr holds the error values that cognitod answers with: a Code named
// exactly as the AWS SDKs name the exception, a message, and one table that maps
// every code to its HTTP status.
//
// The domain returns *Error; anything else that reaches the wire is turned into
// InternalErrorException by the codec, so no internal text ever leaks.
package apierr
