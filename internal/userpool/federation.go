package userpool

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// ExternalIdentity is what an identity provider established about a user.
type ExternalIdentity struct {
	Provider string
	Subject  string
	// Claims are the IdP's attributes (ID token claims, userinfo, SAML attributes).
	Claims map[string]any
}

// mappedAttributes applies a provider's AttributeMapping to the IdP's claims.
func mappedAttributes(idp storage.Provider, claims map[string]any) []AttributeType {
	var out []AttributeType
	for poolAttr, claim := range idp.AttributeMapping {
		if poolAttr == "username" {
			continue
		}
		v, ok := claims[claim]
		if !ok || v == nil {
			continue
		}
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case bool:
			s = fmt.Sprint(x)
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			s = strings.Join(parts, ",")
		default:
			b, _ := json.Marshal(x)
			s = strings.Trim(string(b), `"`)
		}
		out = append(out, AttributeType{Name: poolAttr, Value: ptr(s)})
	}
	return out
}

// applyMapped writes mapped attributes on a user at sign-in; an immutable
// attribute whose value differs fails the sign-in, as in Cognito.
func (p *pool) applyMapped(u *storage.User, attrs []AttributeType) error {
	for _, a := range attrs {
		def, ok := p.schemaAttr(a.Name)
		if !ok {
			continue
		}
		old, had := attr(u, a.Name)
		if had && old == deref(a.Value) {
			continue
		}
		if had && !def.Mutable {
			return apierr.Invalid("%s: Attribute cannot be updated.", a.Name)
		}
		setAttr(u, a.Name, deref(a.Value))
	}
	return nil
}

func (s *Service) lambdaARN(p *pool, trigger string) string {
	var lc map[string]any
	_ = jsonInto(p.cfg["LambdaConfig"], &lc)
	arn, _ := lc[trigger].(string)
	return arn
}

// triggerEvent is the envelope every Cognito trigger receives.
func (s *Service) triggerEvent(p *pool, source, userName, clientID string, request map[string]any, response map[string]any) map[string]any {
	var client any
	if clientID != "" {
		client = clientID
	}
	return map[string]any{
		"version": "1", "triggerSource": source, "region": p.Region, "userPoolId": p.ID, "userName": userName,
		"callerContext": map[string]any{"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client},
		"request":       request, "response": response,
	}
}

func attrMap(attrs []AttributeType) map[string]string {
	m := map[string]string{}
	for _, a := range attrs {
		m[a.Name] = deref(a.Value)
	}
	return m
}

// FederatedSignIn resolves who an external identity signs in as (SPEC.md
// §6 step 2): a linked identity is its destination user; else the user
// `<Provider>_<id>` made by an earlier sign-in; else PreSignUp runs (it may
// link the identity, and then the sign-in continues as the destination with
// no federated user made); else the federated user is created and
// PostConfirmation runs. Mapped attributes are written on every sign-in. No
// transaction is open while a trigger runs: it calls back into cognitod.
func (s *Service) FederatedSignIn(ctx context.Context, poolID, clientID string, ext ExternalIdentity) (storage.User, error) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return storage.User{}, err
	}
	idp, err := s.store.GetProvider(ctx, p.ID, ext.Provider)
	if err != nil {
		return storage.User{}, apierr.Invalid("Identity provider %s does not exist.", ext.Provider)
	}
	attrs := mappedAttributes(idp, ext.Claims)
	if u, ok, err := s.resolveExisting(ctx, p, idp, ext, attrs); ok || err != nil {
		return u, err
	}
	fedName := FederatedUsername(idp.Name, ext.Subject)
	autoVerifyEmail := false
	if arn := s.lambdaARN(p, "PreSignUp"); arn != "" {
		req := map[string]any{"userAttributes": preSignUpAttributes(attrs), "validationData": nil, "clientMetadata": map[string]string{}}
		resp := map[string]any{"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
		out, err := s.triggers.Invoke(ctx, "PreSignUp", arn, s.triggerEvent(p, "PreSignUp_ExternalProvider", fedName, clientID, req, resp))
		if err != nil {
			return storage.User{}, err
		}
		if r, ok := out["response"].(map[string]any); ok {
			autoVerifyEmail, _ = r["autoVerifyEmail"].(bool)
		}
		// The common pattern: the trigger found the user by email and linked
		// the identity to it.
		if u, ok, err := s.resolveExisting(ctx, p, idp, ext, attrs); ok || err != nil {
			return u, err
		}
	}
	if autoVerifyEmail {
		attrs = append(attrs, AttributeType{Name: "email_verified", Value: ptr("true")})
	}
	u, err := s.CreateFederatedUser(ctx, p.ID, idp.Name, ext.Subject, attrs)
	if err != nil {
		if ae, ok := apierr.As(err); ok && ae == errAlreadyLinked {
			// Linked concurrently (a second sign-in, or a trigger running twice).
			if u, ok, err := s.resolveExisting(ctx, p, idp, ext, attrs); ok || err != nil {
				return u, err
			}
		}
		return storage.User{}, err
	}
	if arn := s.lambdaARN(p, "PostConfirmation"); arn != "" {
		ua := map[string]string{"sub": u.Sub, "cognito:user_status": u.Status}
		for _, a := range u.Attributes {
			ua[a.Name] = a.Value
		}
		req := map[string]any{"userAttributes": ua, "clientMetadata": map[string]string{}}
		if _, err := s.triggers.Invoke(ctx, "PostConfirmation", arn, s.triggerEvent(p, "PostConfirmation_ConfirmSignUp", u.Username, clientID, req, map[string]any{})); err != nil {
			return storage.User{}, err
		}
	}
	return u, nil
}

func preSignUpAttributes(attrs []AttributeType) map[string]string {
	m := attrMap(attrs)
	m["cognito:email_alias"] = ""
	m["cognito:phone_number_alias"] = ""
	return m
}

// resolveExisting finds the user an identity already signs in as, if any,
// and writes the mapped attributes on it.
func (s *Service) resolveExisting(ctx context.Context, p *pool, idp storage.Provider, ext ExternalIdentity, attrs []AttributeType) (storage.User, bool, error) {
	sub := ""
	id, err := s.store.GetIdentity(ctx, p.ID, idp.Name, SubjectAttributeName, ext.Subject)
	switch {
	case err == nil:
		sub = id.UserSub
	case !isNotFound(err):
		return storage.User{}, false, err
	}
	if sub == "" && idp.Type == TypeSAML {
		// SAML links may name the identity by a mapped claim.
		for _, claim := range idp.AttributeMapping {
			v, ok := ext.Claims[claim].(string)
			if !ok || v == "" {
				continue
			}
			if id, err := s.store.GetIdentity(ctx, p.ID, idp.Name, claim, v); err == nil {
				sub = id.UserSub
				break
			}
		}
	}
	if sub == "" {
		u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "username", Value: p.key(FederatedUsername(idp.Name, ext.Subject))})
		if isNotFound(err) {
			return storage.User{}, false, nil
		}
		if err != nil {
			return storage.User{}, false, err
		}
		if u.Status != StatusExternalProvider {
			return storage.User{}, false, apierr.Invalid("Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser")
		}
		sub = u.Sub
	}
	u, err := s.store.UpdateUser(ctx, p.ID, sub, func(u *storage.User) error {
		if err := p.applyMapped(u, attrs); err != nil {
			return err
		}
		p.index(u)
		u.Modified = s.clock()
		return nil
	})
	if isNotFound(err) {
		return storage.User{}, false, nil
	}
	if err != nil {
		return storage.User{}, false, err
	}
	if !u.Enabled {
		return storage.User{}, false, errUserDisabled
	}
	return u, true, nil
}
