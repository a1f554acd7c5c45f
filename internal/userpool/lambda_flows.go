package userpool

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/tokens"
)

// userAttributesForTrigger is a user's attributes as triggers see them:
// strings, with sub and cognito:user_status.
func userAttributesForTrigger(u *storage.User) map[string]string {
	m := map[string]string{"sub": u.Sub, "cognito:user_status": u.Status}
	for _, a := range u.Attributes {
		m[a.Name] = a.Value
	}
	return m
}

// preAuthentication runs the PreAuthentication trigger, if configured.
func (s *Service) preAuthentication(ctx context.Context, p *pool, c *UserPoolClientType, u *storage.User, meta map[string]string) error {
	arn := s.lambdaARN(p, "PreAuthentication")
	if arn == "" {
		return nil
	}
	req := map[string]any{"userAttributes": userAttributesForTrigger(u), "validationData": meta, "userNotFound": false}
	_, err := s.triggers.Invoke(ctx, "PreAuthentication", arn, s.triggerEvent(p, "PreAuthentication_Authentication", u.Username, c.ClientId, req, map[string]any{}))
	return err
}

// postAuthentication runs the PostAuthentication trigger, if configured.
func (s *Service) postAuthentication(ctx context.Context, p *pool, c *UserPoolClientType, u *storage.User, newDevice bool) error {
	arn := s.lambdaARN(p, "PostAuthentication")
	if arn == "" {
		return nil
	}
	req := map[string]any{"userAttributes": userAttributesForTrigger(u), "newDeviceUsed": newDevice, "clientMetadata": tokenMetadata(ctx)}
	_, err := s.triggers.Invoke(ctx, "PostAuthentication", arn, s.triggerEvent(p, "PostAuthentication_Authentication", u.Username, c.ClientId, req, map[string]any{}))
	return err
}

// migrateUser runs UserMigration_Authentication for a user cognitod does
// not know: the function vouches for the password and answers the
// attributes, and the user is created (CONFIRMED, or RESET_REQUIRED).
func (s *Service) migrateUser(ctx context.Context, p *pool, c *UserPoolClientType, username, password string) (storage.User, bool, error) {
	arn := s.lambdaARN(p, "UserMigration")
	if arn == "" {
		return storage.User{}, false, nil
	}
	source := "UserMigration_Authentication"
	req := map[string]any{"password": password, "validationData": map[string]string{}, "clientMetadata": map[string]string{}}
	if password == "" {
		// ForgotPassword: no password to vouch for; the user resets it.
		source = "UserMigration_ForgotPassword"
		delete(req, "password")
	}
	out, err := s.triggers.Invoke(ctx, "UserMigration", arn, s.triggerEvent(p, source, username, c.ClientId, req, map[string]any{}))
	if err != nil {
		if ae, ok := apierr.As(err); ok && ae.Code == apierr.UserLambdaValidation {
			return storage.User{}, false, apierr.New(apierr.UserNotFound, "Exception migrating user in app client %s", c.ClientId)
		}
		return storage.User{}, false, err
	}
	resp, _ := out["response"].(map[string]any)
	rawAttrs, ok := resp["userAttributes"].(map[string]any)
	if !ok {
		return storage.User{}, false, apierr.New(apierr.InvalidLambdaResponse, "Unrecognizable lambda output")
	}
	var attrs []AttributeType
	for k, v := range rawAttrs {
		if k == "username" || k == "sub" {
			continue
		}
		attrs = append(attrs, AttributeType{Name: k, Value: ptr(fmt.Sprint(v))})
	}
	if err := p.checkWrite(attrs, true); err != nil {
		return storage.User{}, false, apierr.New(apierr.InvalidLambdaResponse, "Unrecognizable lambda output")
	}
	status := StatusResetRequired
	if resp["finalUserStatus"] == "CONFIRMED" && password != "" {
		status = StatusConfirmed
	}
	now := s.clock()
	u := storage.User{PoolID: p.ID, Sub: uuid.NewString(), Username: username, Status: status, Enabled: true, Attributes: toStored(attrs), Created: now, Modified: now}
	if len(p.UsernameAttributes) > 0 {
		u.Username = u.Sub
		if emailFormat.MatchString(username) {
			setAttr(&u, "email", username)
		}
	}
	if password != "" {
		u.Password = hashPassword(p.ID, u.Username, password, chosenPasswordRounds, now)
	} else {
		u.Password = unusablePassword(now)
	}
	p.index(&u)
	created, err := s.store.CreateUser(ctx, u)
	if err != nil {
		if field, dup := uniqueField(err); dup {
			if ae := aliasError(field); ae != nil {
				return storage.User{}, false, ae
			}
			return storage.User{}, false, apierr.New(apierr.UsernameExists, "User account already exists")
		}
		return storage.User{}, false, err
	}
	return created, true, nil
}

// preTokenGeneration lets the PreTokenGeneration trigger change the claims
// (V1_0: ID token claims and groups; V2_0: both tokens' claims and the
// access token's scopes). Claims Cognito protects cannot be changed.
func (s *Service) preTokenGeneration(ctx context.Context, ss *session, source string, id, access tokens.Claims) error {
	arn, version := preTokenConfig(ss.pool)
	if arn == "" {
		return nil
	}
	groups, _ := id["cognito:groups"].([]string)
	req := map[string]any{"userAttributes": userAttributesForTrigger(&ss.user), "groupConfiguration": map[string]any{"groupsToOverride": groups,
		"iamRolesToOverride": []string{}, "preferredRole": nil}, "clientMetadata": tokenMetadata(ctx)}
	event := s.triggerEvent(ss.pool, source, ss.user.Username, ss.client.ClientId, req, map[string]any{"claimsOverrideDetails": nil})
	if version != "V1_0" {
		event["version"] = map[string]string{"V2_0": "2", "V3_0": "3"}[version]
		req["scopes"] = splitScope(access["scope"])
		event["response"] = map[string]any{"claimsAndScopeOverrideDetails": nil}
	}
	out, err := s.triggers.Invoke(ctx, "PreTokenGeneration", arn, event)
	if err != nil {
		return err
	}
	resp, _ := out["response"].(map[string]any)
	overrideGroups := func(d map[string]any) {
		g, ok := d["groupOverrideDetails"]
		if !ok {
			return
		}
		gm, _ := g.(map[string]any)
		list, _ := gm["groupsToOverride"].([]any)
		if len(list) == 0 {
			delete(id, "cognito:groups")
			delete(access, "cognito:groups")
			return
		}
		id["cognito:groups"], access["cognito:groups"] = list, list
	}
	if version == "V1_0" {
		d, _ := resp["claimsOverrideDetails"].(map[string]any)
		if d == nil {
			return nil
		}
		if err := applyClaims(id, d, true); err != nil {
			return err
		}
		overrideGroups(d)
		return nil
	}
	d, _ := resp["claimsAndScopeOverrideDetails"].(map[string]any)
	if d == nil {
		return nil
	}
	if idg, ok := d["idTokenGeneration"].(map[string]any); ok {
		if err := applyClaims(id, idg, false); err != nil {
			return err
		}
	}
	if err := applyAccessGeneration(access, d); err != nil {
		return err
	}
	overrideGroups(d)
	return nil
}

// applyClaims applies a trigger's claimsToAddOrOverride and
// claimsToSuppress to target, leaving the claims Cognito protects alone.
// V1_0 triggers may add strings only.
func applyClaims(target tokens.Claims, d map[string]any, stringsOnly bool) error {
	if add, ok := d["claimsToAddOrOverride"].(map[string]any); ok {
		for k, v := range add {
			if _, isStr := v.(string); stringsOnly && !isStr {
				return apierr.New(apierr.InvalidLambdaResponse, "Unrecognizable lambda output")
			}
			if !protectedClaims[k] {
				target[k] = v
			}
		}
	}
	if sup, ok := d["claimsToSuppress"].([]any); ok {
		for _, k := range sup {
			if name, _ := k.(string); !protectedClaims[name] {
				delete(target, name)
			}
		}
	}
	return nil
}

// applyAccessGeneration applies the accessTokenGeneration part of a V2_0 or
// V3_0 response (claimsAndScopeOverrideDetails d): claims, then scopes
// added and suppressed.
func applyAccessGeneration(access tokens.Claims, d map[string]any) error {
	ag, ok := d["accessTokenGeneration"].(map[string]any)
	if !ok {
		return nil
	}
	if err := applyClaims(access, ag, false); err != nil {
		return err
	}
	scopes := splitScope(access["scope"])
	if add, ok := ag["scopesToAdd"].([]any); ok {
		for _, sc := range add {
			if str, _ := sc.(string); str != "" && !contains(scopes, str) {
				scopes = append(scopes, str)
			}
		}
	}
	if sup, ok := ag["scopesToSuppress"].([]any); ok {
		kept := scopes[:0]
		for _, sc := range scopes {
			drop := false
			for _, x := range sup {
				if x == sc {
					drop = true
				}
			}
			if !drop {
				kept = append(kept, sc)
			}
		}
		scopes = kept
	}
	access["scope"] = joinScopes(scopes)
	return nil
}

type tokenMetadataKey struct{}

// withTokenMetadata carries a call's ClientMetadata to the triggers that
// Cognito gives it to when tokens are issued: PostAuthentication and
// PreTokenGeneration take RespondToAuthChallenge's and
// GetTokensFromRefreshToken's; InitiateAuth's goes to PreAuthentication,
// PreSignUp and UserMigration only, as its API reference says.
func withTokenMetadata(ctx context.Context, md map[string]string) context.Context {
	return context.WithValue(ctx, tokenMetadataKey{}, md)
}

// tokenMetadata is the ClientMetadata for PostAuthentication and
// PreTokenGeneration ({} when the call had none).
func tokenMetadata(ctx context.Context) map[string]string {
	if md, _ := ctx.Value(tokenMetadataKey{}).(map[string]string); md != nil {
		return md
	}
	return map[string]string{}
}

// preTokenConfig is the pool's PreTokenGeneration function and its event
// version (V1_0, V2_0 or V3_0); arn is "" when there is none.
func preTokenConfig(p *pool) (arn, version string) {
	var lc struct {
		PreTokenGeneration       string
		PreTokenGenerationConfig struct{ LambdaVersion, LambdaArn string }
	}
	_ = jsonInto(p.cfg["LambdaConfig"], &lc)
	arn, version = lc.PreTokenGenerationConfig.LambdaArn, lc.PreTokenGenerationConfig.LambdaVersion
	if arn == "" {
		arn, version = lc.PreTokenGeneration, "V1_0"
	}
	return arn, version
}

// protectedClaims are the claims a PreTokenGeneration trigger cannot change.
var protectedClaims = map[string]bool{"acr": true, "amr": true, "aud": true, "at_hash": true, "auth_time": true, "azp": true,
	"cognito:username": true, "exp": true, "iat": true, "identities": true, "iss": true, "jti": true, "nbf": true, "nonce": true,
	"origin_jti": true, "sub": true, "token_use": true, "client_id": true, "event_id": true, "username": true}

func splitScope(v any) []string {
	s, _ := v.(string)
	return strings.Fields(s)
}

func joinScopes(s []string) string { return strings.Join(s, " ") }
