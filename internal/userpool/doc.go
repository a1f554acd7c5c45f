// Package userpool holds the Cognito rules: user pools, users and their
// attributes, identity providers, app clients and federated account linking
// (AdminLinkProviderForUser, AdminDisableProviderForUser and the `identities`
// attribute). It speaks in the wire types of the cognito-idp API (named as
// the SDKs name them) and in *apierr.Error values; it never touches HTTP or
// SQL. Every atomic change is one storage transaction.
package userpool
