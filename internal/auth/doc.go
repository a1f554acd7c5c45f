// Package auth holds the cryptography of Cognito sign-in that is not a JWT:
// SRP-6a with Cognito's parameters (the server side of USER_SRP_AUTH /
// PASSWORD_VERIFIER, compatible with amazon-cognito-identity-js), SECRET_HASH,
// and sealed strings (challenge Session, SRP SECRET_BLOCK, refresh tokens)
// that carry server state to the client encrypted and authenticated, so that
// no node has to remember it; and sealed fields (FieldCipher), secrets kept
// at rest inside stored records under a data key kept apart from the
// database.
package auth
