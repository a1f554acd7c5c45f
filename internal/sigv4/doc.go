// Package sigv4 verifies AWS Signature Version 4 on incoming requests.
//
// It verifies exactly the headers the client lists in SignedHeaders, with the
// values as received, because real clients differ: some sign X-Amz-Target and
// Content-Type and some do not, some sign content-length or
// x-amz-content-sha256, some send Host without the port. The payload hash is
// always computed from the body actually read, never taken from a header.
package sigv4
