package userpool

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// CognitoProvider is the provider name of native (username/password) users.
const CognitoProvider = "Cognito"

// SubjectAttributeName names an identity by the IdP's subject.
const SubjectAttributeName = "Cognito_Subject"

// maxLinks is Cognito's limit of identities linked to one user.
const maxLinks = 5

var (
	errSourceIsCognito = apierr.Invalid("Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser")
	errAlreadyLinked   = apierr.Invalid("SourceUser is already linked to DestinationUser")
	errMerging         = apierr.Invalid("Merging is not currently supported, provide a SourceUser that has not been signed up in order to link")
	errNotLinked       = apierr.Invalid("Account isn't linked to anyone else, verify that the account has been linked")
)

// userExtra is per-user state that is not an attribute.
type userExtra struct {
	// PasswordSignInDisabled: AdminDisableProviderForUser with ProviderName
	// Cognito stops the user's password sign-in (Enabled stays true).
	PasswordSignInDisabled bool `json:"passwordSignInDisabled,omitempty"`
	// SignedOutAt (ms): access tokens issued before it are revoked.
	SignedOutAt int64 `json:"signedOutAt,omitempty"`
	// Codes are the user's outstanding one-time codes, by purpose.
	Codes map[string]codeRecord `json:"codes,omitempty"`
	// TOTP is the user's authenticator app, MFA the rest of its second
	// factors' state (see mfa.go).
	TOTP totpRecord `json:"totp,omitzero"`
	MFA  mfaRecord  `json:"mfa,omitzero"`
	// Devices are the user's confirmed devices (see devices.go).
	Devices []deviceRecord `json:"devices,omitempty"`
	// Passkeys are the user's WebAuthn authenticators (see passkeys.go).
	Passkeys []passkeyRecord `json:"passkeys,omitempty"`
	// AuthEvents are the user's newest authentication events, kept while
	// the pool's threat protection is on (see threat_protection.go).
	AuthEvents []authEvent `json:"authEvents,omitempty"`
}

// editExtra changes a user's extra record (and, through u, the user) in
// one write; a missing user is UserNotFoundException.
func (s *Service) editExtra(ctx context.Context, poolID, sub string, fn func(u *storage.User, x *userExtra) error) (storage.User, error) {
	u, err := s.store.UpdateUser(ctx, poolID, sub, func(u *storage.User) error {
		x := extraOf(u)
		if err := fn(u, &x); err != nil {
			return err
		}
		u.Extra = mustJSON(x)
		return nil
	})
	if isNotFound(err) {
		return u, errUserNotFound
	}
	return u, err
}

func extraOf(u *storage.User) userExtra {
	var x userExtra
	if len(u.Extra) > 0 {
		_ = json.Unmarshal(u.Extra, &x)
	}
	return x
}

// FederatedUsername is the name of the user a first federated sign-in makes.
func FederatedUsername(provider, subject string) string { return provider + "_" + subject }

// AdminLinkProviderForUserInput is the AdminLinkProviderForUser request.
type AdminLinkProviderForUserInput struct {
	UserPoolId      string
	DestinationUser ProviderUserIdentifierType
	SourceUser      ProviderUserIdentifierType
}

// AdminLinkProviderForUser links an external identity to an existing user so
// that the identity signs in as that user. The checks run in the order of
// SPEC.md §4; the link itself is one transaction guarded by the unique index
// on (pool, provider, attribute, value), so of two concurrent links of one
// identity exactly one succeeds.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html
func (s *Service) AdminLinkProviderForUser(ctx context.Context, in *AdminLinkProviderForUserInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	src, dst := in.SourceUser, in.DestinationUser
	srcName := deref(src.ProviderName)
	if srcName == CognitoProvider {
		return nil, errSourceIsCognito
	}
	idp, err := s.store.GetProvider(ctx, p.ID, srcName)
	if isNotFound(err) {
		return nil, apierr.Invalid("Identity provider %s does not exist.", srcName)
	}
	if err != nil {
		return nil, err
	}
	attrName, value := deref(src.ProviderAttributeName), deref(src.ProviderAttributeValue)
	if idp.Type != TypeSAML && attrName != SubjectAttributeName {
		return nil, apierr.Invalid("ProviderAttributeName must be %s for provider type %s.", SubjectAttributeName, idp.Type)
	}
	if idp.Type == TypeSAML && attrName != SubjectAttributeName && !mapsClaim(idp, attrName) {
		return nil, apierr.Invalid("ProviderAttributeName %s is not an attribute mapped by identity provider %s.", attrName, idp.Name)
	}
	if value == "" {
		return nil, apierr.Invalid("SourceUser.ProviderAttributeValue is required.")
	}
	dest, err := s.findDestination(ctx, p, dst)
	if err != nil {
		return nil, err
	}
	if existing, err := s.store.GetIdentity(ctx, p.ID, idp.Name, attrName, value); err == nil {
		if existing.Primary {
			return nil, errMerging
		}
		return nil, errAlreadyLinked
	} else if !isNotFound(err) {
		return nil, err
	}
	fedName := FederatedUsername(idp.Name, value)
	if u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "username", Value: p.key(fedName)}); err == nil {
		if u.Status == StatusExternalProvider {
			return nil, errMerging
		}
		return nil, errSourceIsCognito
	} else if !isNotFound(err) {
		return nil, err
	}
	if utf8.RuneCountInString(fedName) > 128 {
		return nil, apierr.Invalid("Username %s exceeds the maximum length of 128 characters.", fedName)
	}
	now := s.clock()
	link := storage.Identity{
		PoolID: p.ID, ProviderName: idp.Name, ProviderType: idp.Type, AttributeName: attrName, Value: value,
		UserSub: dest.Sub, Primary: false, Created: now,
	}
	err = s.store.LinkIdentity(ctx, link, func(u *storage.User, ids []storage.Identity) error {
		links := 0
		for _, id := range ids {
			if !id.Primary {
				links++
			}
		}
		if links >= maxLinks {
			return apierr.New(apierr.LimitExceeded, "Exceeded the limit of %d identities linked to a user.", maxLinks)
		}
		for _, a := range u.Attributes {
			if def, ok := p.schemaAttr(a.Name); ok && strings.Contains(a.Name, "custom:") && !def.Mutable {
				return apierr.Invalid("Cannot link to a user that has immutable attributes: %s.", a.Name)
			}
		}
		u.Modified = now
		return nil
	})
	if _, dup := uniqueField(err); dup {
		// Lost a race with another link of the same identity.
		if existing, gerr := s.store.GetIdentity(ctx, p.ID, idp.Name, attrName, value); gerr == nil && existing.Primary {
			return nil, errMerging
		}
		return nil, errAlreadyLinked
	}
	if isNotFound(err) {
		return nil, errUserNotFound // the destination was deleted meanwhile
	}
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func mapsClaim(idp storage.Provider, claim string) bool {
	for _, v := range idp.AttributeMapping {
		if v == claim {
			return true
		}
	}
	return false
}

// findDestination resolves DestinationUser: a native user by username (or,
// as AdminGetUser does, alias or sub), or a federated user
// `<ProviderName>_<value>`.
func (s *Service) findDestination(ctx context.Context, p *pool, dst ProviderUserIdentifierType) (storage.User, error) {
	name, value := deref(dst.ProviderName), deref(dst.ProviderAttributeValue)
	if value == "" {
		return storage.User{}, errUserNotFound
	}
	if name != "" && name != CognitoProvider {
		u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "username", Value: p.key(FederatedUsername(name, value))})
		if err == nil {
			return u, nil
		}
		if !isNotFound(err) {
			return u, err
		}
	}
	return s.findUser(ctx, p, value)
}

// AdminDisableProviderForUserInput is the AdminDisableProviderForUser request.
type AdminDisableProviderForUserInput struct {
	UserPoolId string
	User       ProviderUserIdentifierType
}

// AdminDisableProviderForUser removes a link (the identity's next sign-in
// makes a new federated user), disables a federated user of its own, or,
// for ProviderName Cognito, stops a native user's password sign-in.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableProviderForUser.html
func (s *Service) AdminDisableProviderForUser(ctx context.Context, in *AdminDisableProviderForUserInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	name, attrName, value := deref(in.User.ProviderName), deref(in.User.ProviderAttributeName), deref(in.User.ProviderAttributeValue)
	if attrName == "" {
		attrName = SubjectAttributeName
	}
	now := s.clock()
	if name == CognitoProvider {
		u, err := s.findUser(ctx, p, value)
		if err != nil {
			return nil, errNotLinked
		}
		_, err = s.store.UpdateUser(ctx, p.ID, u.Sub, func(x *storage.User) error {
			extra := extraOf(x)
			extra.PasswordSignInDisabled = true
			x.Extra = mustJSON(extra)
			x.Modified = now
			return nil
		})
		return nil, err
	}
	// Most calls remove a link: try that first, in one transaction.
	err = s.store.UnlinkIdentity(ctx, p.ID, name, attrName, value, now)
	if !isNotFound(err) {
		return nil, err
	}
	id, err := s.store.GetIdentity(ctx, p.ID, name, attrName, value)
	switch {
	case err == nil && !id.Primary:
		return nil, errNotLinked // linked again since; not this call's to remove
	case err == nil && id.Primary:
		return nil, s.disableFederatedUser(ctx, p, id.UserSub)
	case !isNotFound(err):
		return nil, err
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "username", Value: p.key(FederatedUsername(name, value))})
	if err == nil && u.Status == StatusExternalProvider {
		return nil, s.disableFederatedUser(ctx, p, u.Sub)
	}
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	return nil, errNotLinked
}

func (s *Service) disableFederatedUser(ctx context.Context, p *pool, sub string) error {
	_, err := s.store.UpdateUser(ctx, p.ID, sub, func(u *storage.User) error {
		u.Enabled = false
		p.index(u)
		u.Modified = s.clock()
		return nil
	})
	if isNotFound(err) {
		return errNotLinked
	}
	return err
}
