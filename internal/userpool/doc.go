// Package userpool holds the Cognito rules: user pools, users and their
// attributes, identity providers, app clients and federated account linking
// (AdminLinkProviderForUser, AdminDisableProviderForUser and the `identities`
// attribute); sign-in in all its flows (password, SRP, custom challenges,
// choice-based with codes and passkeys, MFA, remembered devices) and the
// tokens it issues; and the pool settings beside them. It speaks in the
// wire types of the cognito-idp API (named as the SDKs name them) and in
// *apierr.Error values; it never touches HTTP or SQL. Every atomic change is
// one storage transaction.
package userpool
