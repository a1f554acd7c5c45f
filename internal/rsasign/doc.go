// Package rsasign makes the RS256 signatures on every token cognitod issues.
//
// Go's crypto/rsa signs a 2048-bit PKCS #1 v1.5 signature in about 1.5 ms
// on a current x86 core; OpenSSL's libcrypto, with its vectorised Montgomery
// code, in about 0.35 ms. A sign-in makes two signatures (ID and access
// token), so the signature is most of what a sign-in or a refresh costs.
// When cognitod is built with cgo on Linux and the system's libcrypto
// (OpenSSL 3 or 1.1.1) can be loaded at run time, signatures are made there;
// otherwise, or with COGNITOD_RSA=go, by crypto/rsa. Nothing is linked at
// build time and no OpenSSL headers are needed: the library is opened with
// dlopen, and a binary built without cgo is pure Go.
//
// PKCS #1 v1.5 signatures are deterministic, so both back ends give the same
// bytes for the same key and message. Every key is checked on load: a test
// message is signed by both and the results compared; any difference, or any
// failure of libcrypto, and that key is signed by crypto/rsa.
package rsasign
