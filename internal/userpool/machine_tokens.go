package userpool

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/tokens"
)

// Machine-to-machine (M2M) access tokens authorize an app client, not a
// user: the client proves itself with its secret at the token endpoint
// (client_credentials grant) or through GetClientToken, and the token's
// sub and client_id are the client. A V3_0 PreTokenGeneration trigger
// sees each such token as a TokenGeneration_ClientCredentials event.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html

// clientTokenFlow is the ExplicitAuthFlows value GetClientToken needs; it
// is a client's only flow.
const clientTokenFlow = "ALLOW_CLIENT_TOKEN_AUTH"

// machineScopes are the scopes a machine token carries: those requested,
// each of which must be one of the client's custom (resource-server)
// scopes, or all of the client's custom scopes when none are requested.
// refused is a requested scope the client may not have; each entry point
// answers it in its own protocol.
func machineScopes(c *UserPoolClientType, requested []string) (scopes []string, refused string) {
	if len(requested) == 0 {
		for _, sc := range c.AllowedOAuthScopes {
			if strings.Contains(sc, "/") {
				scopes = append(scopes, sc)
			}
		}
		return scopes, ""
	}
	for _, sc := range requested {
		if !contains(c.AllowedOAuthScopes, sc) || !strings.Contains(sc, "/") {
			return nil, sc
		}
	}
	return requested, ""
}

// machineToken signs a client's access token for scopes, after a V3_0
// PreTokenGeneration trigger (if the pool has one) has had its say.
func (s *Service) machineToken(ctx context.Context, p *pool, c *UserPoolClientType, scopes []string, metadata map[string]string) (string, time.Duration, error) {
	now := s.now().UTC()
	units := TokenValidityUnitsType{AccessToken: "minutes"}
	if c.TokenValidityUnits != nil {
		units = *c.TokenValidityUnits
	}
	ttl := validity(c.AccessTokenValidity, units.AccessToken)
	claims := tokens.Claims{"sub": c.ClientId, "token_use": "access", "scope": joinScopes(scopes), "auth_time": now.Unix(),
		"iss": s.Issuer(p.ID), "exp": now.Add(ttl).Unix(), "iat": now.Unix(), "version": 2, "jti": uuidLike(), "client_id": c.ClientId}
	if err := s.machineTokenGeneration(ctx, p, c, claims, metadata); err != nil {
		return "", 0, err
	}
	tok, err := s.keys.Sign(ctx, p.ID, tokens.UseAccess, claims)
	return tok, ttl, err
}

// machineTokenGeneration runs a V3_0 PreTokenGeneration trigger for a
// machine token. V1_0 and V2_0 triggers are not invoked for machines, as in
// Cognito. The event has no userName and empty userAttributes; only the
// response's accessTokenGeneration applies.
func (s *Service) machineTokenGeneration(ctx context.Context, p *pool, c *UserPoolClientType, access tokens.Claims, metadata map[string]string) error {
	arn, version := preTokenConfig(p)
	if arn == "" || version != "V3_0" {
		return nil
	}
	if metadata == nil {
		metadata = map[string]string{}
	}
	req := map[string]any{"userAttributes": map[string]string{}, "groupConfiguration": map[string]any{"groupsToOverride": []string{},
		"iamRolesToOverride": []string{}, "preferredRole": nil}, "scopes": splitScope(access["scope"]), "clientMetadata": metadata}
	event := s.triggerEvent(p, "TokenGeneration_ClientCredentials", "", c.ClientId, req, map[string]any{"claimsAndScopeOverrideDetails": nil})
	event["version"] = "3"
	delete(event, "userName")
	out, err := s.triggers.Invoke(ctx, "PreTokenGeneration", arn, event)
	if err != nil {
		return err
	}
	resp, _ := out["response"].(map[string]any)
	d, _ := resp["claimsAndScopeOverrideDetails"].(map[string]any)
	return applyAccessGeneration(access, d)
}

// ClientCredentialsGrant is the token endpoint's client_credentials grant:
// scope is space-separated, metadata the aws_client_metadata parameter
// (URL-encoded JSON) handed to the PreTokenGeneration trigger.
func (s *Service) ClientCredentialsGrant(ctx context.Context, ca ClientAuth, scope, metadata string) (*TokenResponse, error) {
	p, c, err := s.tokenClient(ctx, ca)
	if err != nil {
		return nil, err
	}
	if c.ClientSecret == "" {
		return nil, oauthErr("invalid_client", "")
	}
	if !contains(c.AllowedOAuthFlows, "client_credentials") {
		return nil, oauthErr("unauthorized_client", "")
	}
	var meta map[string]string
	if metadata != "" {
		if json.Unmarshal([]byte(metadata), &meta) != nil {
			return nil, oauthErr("invalid_request", "aws_client_metadata must be a JSON object of strings")
		}
	}
	scopes, refused := machineScopes(c, strings.Fields(scope))
	if refused != "" {
		return nil, oauthErr("invalid_scope", "")
	}
	tok, ttl, err := s.machineToken(ctx, p, c, scopes, meta)
	if err != nil {
		return nil, err
	}
	return &TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(ttl.Seconds())}, nil
}

// ClientAuthenticationResultType is GetClientToken's answer.
type ClientAuthenticationResultType struct {
	AccessToken string
	ExpiresIn   int
	TokenType   string
}

// GetClientToken issues a machine token through the API, as the
// client_credentials grant does at the token endpoint. The client needs a
// secret and ALLOW_CLIENT_TOKEN_AUTH.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetClientToken.html
func (s *Service) GetClientToken(ctx context.Context, in *struct {
	ClientId, Secret string
	Scopes           []string
	ClientMetadata   map[string]string
}) (map[string]any, error) {
	p, c, err := s.clientFor(ctx, in.ClientId, "")
	if err != nil {
		return nil, err
	}
	// The secret is checked before anything that would tell a caller
	// without it how the client is configured.
	if c.ClientSecret == "" || !c.secretIs(in.Secret) {
		return nil, apierr.New(apierr.NotAuthorized, "Incorrect client secret for client %s.", c.ClientId)
	}
	if !contains(c.ExplicitAuthFlows, clientTokenFlow) {
		return nil, apierr.Invalid("%s flow not enabled for this client", clientTokenFlow)
	}
	scopes, refused := machineScopes(c, in.Scopes)
	if refused != "" {
		return nil, apierr.Invalid("Invalid scope requested: %s", refused)
	}
	tok, ttl, err := s.machineToken(ctx, p, c, scopes, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ClientAuthenticationResult": ClientAuthenticationResultType{AccessToken: tok, ExpiresIn: int(ttl.Seconds()), TokenType: "Bearer"}}, nil
}
