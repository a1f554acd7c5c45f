package userpool

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// clientInput is CreateUserPoolClient and UpdateUserPoolClient together.
type clientInput struct {
	UserPoolId                               string
	ClientId                                 string
	ClientName                               *string
	GenerateSecret                           bool
	ClientSecret                             *string
	RefreshTokenValidity                     *int
	AccessTokenValidity                      *int
	IdTokenValidity                          *int
	TokenValidityUnits                       *TokenValidityUnitsType
	ReadAttributes                           []string
	WriteAttributes                          []string
	ExplicitAuthFlows                        []string
	SupportedIdentityProviders               []string
	CallbackURLs                             []string
	LogoutURLs                               []string
	DefaultRedirectURI                       *string
	AllowedOAuthFlows                        []string
	AllowedOAuthScopes                       []string
	AllowedOAuthFlowsUserPoolClient          bool
	AnalyticsConfiguration                   map[string]any
	PreventUserExistenceErrors               *string
	EnableTokenRevocation                    *bool
	EnablePropagateAdditionalUserContextData *bool
	AuthSessionValidity                      *int
	RefreshTokenRotation                     map[string]any
}

// CreateUserPoolClientInput is the CreateUserPoolClient request.
type CreateUserPoolClientInput = clientInput

// UpdateUserPoolClientInput is the UpdateUserPoolClient request.
type UpdateUserPoolClientInput = clientInput

// StandardScopes are the OAuth scopes every pool has.
var StandardScopes = []string{"phone", "email", "openid", "profile", "aws.cognito.signin.user.admin"}

func clientNotFound(id string) error {
	return apierr.New(apierr.ResourceNotFound, "User pool client %s does not exist.", id)
}

// validity bounds, in seconds, per token kind.
func checkValidity(kind string, v int, unit string, min, max int) error {
	mult := map[string]int{"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}[unit]
	secs := v * mult
	if secs < min || secs > max {
		return apierr.Invalid("%s token validity is out of range: it must be between %s and %s.", kind, human(min), human(max))
	}
	return nil
}

func human(secs int) string {
	switch {
	case secs%86400 == 0 && secs >= 86400:
		n := secs / 86400
		if n%365 == 0 {
			return plural(n/365, "year")
		}
		return plural(n, "day")
	case secs%3600 == 0 && secs >= 3600:
		return plural(secs/3600, "hour")
	default:
		return plural(secs/60, "minute")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strings.TrimSpace(strings.Join([]string{itoa(n), unit + "s"}, " "))
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// isLoopback allows plain http for local development, as Cognito does for localhost.
func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

func checkURLs(kind string, urls []string) error {
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" || u.Fragment != "" || strings.Contains(raw, "#") {
			return apierr.Invalid("Invalid %s: %s", kind, raw)
		}
		if u.Scheme == "http" && !isLoopback(u) {
			return apierr.Invalid("%s must use HTTPS unless the host is localhost: %s", kind, raw)
		}
	}
	return nil
}

// buildClient applies a request to a client, filling Cognito's defaults for
// every member left out (CreateUserPoolClient and UpdateUserPoolClient both
// replace the whole configuration).
func (s *Service) buildClient(ctx context.Context, p *pool, in *clientInput, c *UserPoolClientType) error {
	c.ClientName = deref(in.ClientName)
	units := TokenValidityUnitsType{AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days"}
	if u := in.TokenValidityUnits; u != nil {
		if u.AccessToken != "" {
			units.AccessToken = u.AccessToken
		}
		if u.IdToken != "" {
			units.IdToken = u.IdToken
		}
		if u.RefreshToken != "" {
			units.RefreshToken = u.RefreshToken
		}
	}
	c.TokenValidityUnits = &units
	c.AccessTokenValidity, c.IdTokenValidity, c.RefreshTokenValidity = 60, 60, 30
	if units.AccessToken != "minutes" {
		c.AccessTokenValidity = map[string]int{"seconds": 3600, "hours": 1, "days": 1}[units.AccessToken]
	}
	if units.IdToken != "minutes" {
		c.IdTokenValidity = map[string]int{"seconds": 3600, "hours": 1, "days": 1}[units.IdToken]
	}
	if units.RefreshToken != "days" {
		c.RefreshTokenValidity = map[string]int{"seconds": 30 * 86400, "minutes": 30 * 1440, "hours": 30 * 24}[units.RefreshToken]
	}
	if in.AccessTokenValidity != nil {
		c.AccessTokenValidity = *in.AccessTokenValidity
	}
	if in.IdTokenValidity != nil {
		c.IdTokenValidity = *in.IdTokenValidity
	}
	if in.RefreshTokenValidity != nil {
		c.RefreshTokenValidity = *in.RefreshTokenValidity
	}
	if err := checkValidity("Access", c.AccessTokenValidity, units.AccessToken, 300, 86400); err != nil {
		return err
	}
	if err := checkValidity("ID", c.IdTokenValidity, units.IdToken, 300, 86400); err != nil {
		return err
	}
	if err := checkValidity("Refresh", c.RefreshTokenValidity, units.RefreshToken, 3600, 3650*86400); err != nil {
		return err
	}
	for _, list := range [][]string{in.ReadAttributes, in.WriteAttributes} {
		for _, a := range list {
			if _, ok := p.schemaAttr(a); !ok {
				return apierr.Invalid("Invalid read or write attribute: %s", a)
			}
		}
	}
	c.ReadAttributes, c.WriteAttributes = in.ReadAttributes, in.WriteAttributes
	flows := in.ExplicitAuthFlows
	legacy, modern := false, false
	for _, f := range flows {
		if strings.HasPrefix(f, "ALLOW_") {
			modern = true
		} else {
			legacy = true
		}
	}
	if legacy && modern {
		return apierr.Invalid("ExplicitAuthFlows cannot mix the legacy values (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) with the ALLOW_ values.")
	}
	// A client that gets machine tokens through GetClientToken signs no
	// users in: its flow stands alone, and it needs a secret to prove
	// itself with.
	if contains(flows, clientTokenFlow) {
		if slices.ContainsFunc(flows, func(f string) bool { return f != clientTokenFlow }) {
			return apierr.Invalid("%s cannot be combined with other ExplicitAuthFlows.", clientTokenFlow)
		}
		if c.ClientSecret == "" {
			return apierr.Invalid("%s requires a client with a client secret.", clientTokenFlow)
		}
	}
	switch {
	case len(flows) == 0:
		flows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH"}
	case contains(flows, clientTokenFlow):
		flows = []string{clientTokenFlow}
	case modern && !contains(flows, "ALLOW_REFRESH_TOKEN_AUTH"):
		flows = append(flows, "ALLOW_REFRESH_TOKEN_AUTH")
	}
	c.ExplicitAuthFlows = flows
	for _, name := range in.SupportedIdentityProviders {
		if name == "COGNITO" {
			continue
		}
		if _, err := s.store.GetProvider(ctx, p.ID, name); err != nil {
			if isNotFound(err) {
				return apierr.Invalid("The provider %s does not exist for User Pool %s", name, p.ID)
			}
			return err
		}
	}
	c.SupportedIdentityProviders = in.SupportedIdentityProviders
	if err := checkURLs("CallbackURL", in.CallbackURLs); err != nil {
		return err
	}
	if err := checkURLs("LogoutURL", in.LogoutURLs); err != nil {
		return err
	}
	c.CallbackURLs, c.LogoutURLs = in.CallbackURLs, in.LogoutURLs
	c.DefaultRedirectURI = deref(in.DefaultRedirectURI)
	if c.DefaultRedirectURI != "" && !contains(c.CallbackURLs, c.DefaultRedirectURI) {
		return apierr.Invalid("DefaultRedirectURI must be one of the CallbackURLs.")
	}
	if err := s.checkOAuth(ctx, p, in, c.ClientSecret != ""); err != nil {
		return err
	}
	c.AllowedOAuthFlows, c.AllowedOAuthScopes, c.AllowedOAuthFlowsUserPoolClient = in.AllowedOAuthFlows, in.AllowedOAuthScopes, in.AllowedOAuthFlowsUserPoolClient
	c.AnalyticsConfiguration = in.AnalyticsConfiguration
	c.PreventUserExistenceErrors = "LEGACY"
	if in.PreventUserExistenceErrors != nil {
		c.PreventUserExistenceErrors = *in.PreventUserExistenceErrors
	}
	c.EnableTokenRevocation = in.EnableTokenRevocation == nil || *in.EnableTokenRevocation
	c.EnablePropagateAdditionalUserContextData = deref(in.EnablePropagateAdditionalUserContextData)
	c.AuthSessionValidity = 3
	if in.AuthSessionValidity != nil {
		c.AuthSessionValidity = *in.AuthSessionValidity
	}
	c.RefreshTokenRotation = in.RefreshTokenRotation
	return nil
}

func (s *Service) checkOAuth(ctx context.Context, p *pool, in *clientInput, hasSecret bool) error {
	flows := in.AllowedOAuthFlows
	if contains(flows, "client_credentials") && len(flows) > 1 {
		return apierr.New(apierr.InvalidOAuthFlow, "client_credentials flow can not be selected along with code flow or implicit flow.")
	}
	if contains(flows, "client_credentials") && !hasSecret {
		return apierr.New(apierr.InvalidOAuthFlow, "client_credentials flow can not be selected if client does not have a client secret.")
	}
	if in.AllowedOAuthFlowsUserPoolClient {
		if len(flows) == 0 {
			return apierr.Invalid("AllowedOAuthFlows are required when AllowedOAuthFlowsUserPoolClient is true.")
		}
		if len(in.AllowedOAuthScopes) == 0 {
			return apierr.Invalid("AllowedOAuthScopes are required when AllowedOAuthFlowsUserPoolClient is true.")
		}
		if !contains(flows, "client_credentials") && len(in.CallbackURLs) == 0 {
			return apierr.Invalid("CallbackURLs are required when the code or implicit flow is allowed.")
		}
	}
	for _, sc := range in.AllowedOAuthScopes {
		if contains(StandardScopes, sc) {
			continue
		}
		if !s.customScopeExists(ctx, p.ID, sc) {
			return apierr.New(apierr.ScopeDoesNotExist, "Invalid scope requested: %s", sc)
		}
	}
	return nil
}

func decodeClient(c storage.Client) (*UserPoolClientType, error) {
	var out UserPoolClientType
	if err := json.Unmarshal(c.Config, &out); err != nil {
		return nil, err
	}
	out.ClientId, out.UserPoolId, out.ClientName = c.ID, c.PoolID, c.Name
	out.CreationDate, out.LastModifiedDate = awsjson.T(c.Created), awsjson.T(c.Modified)
	return &out, nil
}

// CreateUserPoolClient adds an app client to a pool.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
func (s *Service) CreateUserPoolClient(ctx context.Context, in *CreateUserPoolClientInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	c := &UserPoolClientType{}
	switch {
	case in.ClientSecret != nil && *in.ClientSecret != "":
		c.ClientSecret = *in.ClientSecret
	case in.GenerateSecret:
		c.ClientSecret = randomString(51, "abcdefghijklmnopqrstuvwxyz0123456789")
	}
	if err := s.buildClient(ctx, p, in, c); err != nil {
		return nil, err
	}
	now := s.clock()
	sc := storage.Client{PoolID: p.ID, Name: c.ClientName, Created: now, Modified: now}
	err = withFreshID(func() string { return randomString(26, "abcdefghijklmnopqrstuvwxyz0123456789") }, func(id string) error {
		sc.ID = id
		if c.ClientSecret != "" {
			c.Secrets = []clientSecret{{ID: id + "--1", Value: c.ClientSecret, Created: now.UnixMilli()}}
		}
		sc.Config = mustJSON(c)
		return s.store.CreateClient(ctx, sc)
	})
	if err != nil {
		return nil, err
	}
	return clientAnswer(sc)
}

// clientAnswer is the answer that carries one app client.
func clientAnswer(c storage.Client) (map[string]any, error) {
	out, err := decodeClient(c)
	if err != nil {
		return nil, err
	}
	out.Secrets = nil
	return map[string]any{"UserPoolClient": out}, nil
}

// ClientRef names one app client.
type ClientRef struct {
	UserPoolId string
	ClientId   string
}

// poolClient finds a pool and one of its app clients (a client of another
// pool is not found).
func (s *Service) poolClient(ctx context.Context, poolID, clientID string) (*pool, storage.Client, error) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return nil, storage.Client{}, err
	}
	c, err := s.store.GetClient(ctx, clientID)
	if isNotFound(err) || err == nil && c.PoolID != p.ID {
		return p, c, clientNotFound(clientID)
	}
	return p, c, err
}

// DescribeUserPoolClient answers an app client (with its secret).
func (s *Service) DescribeUserPoolClient(ctx context.Context, in *ClientRef) (map[string]any, error) {
	_, c, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	return clientAnswer(c)
}

// UpdateUserPoolClient replaces an app client's settings; members left out
// return to their defaults, as in Cognito. The secret never changes.
func (s *Service) UpdateUserPoolClient(ctx context.Context, in *UpdateUserPoolClientInput) (map[string]any, error) {
	p, cur, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	old, err := decodeClient(cur)
	if err != nil {
		return nil, err
	}
	c := &UserPoolClientType{ClientSecret: old.ClientSecret, Secrets: old.Secrets}
	if in.ClientName == nil {
		in.ClientName = &old.ClientName
	}
	if err := s.buildClient(ctx, p, in, c); err != nil {
		return nil, err
	}
	sc, err := s.store.UpdateClient(ctx, cur.ID, func(x *storage.Client) error {
		x.Name = c.ClientName
		x.Config = mustJSON(c)
		x.Modified = s.clock()
		return nil
	})
	if isNotFound(err) {
		return nil, clientNotFound(in.ClientId)
	}
	if err != nil {
		return nil, err
	}
	return clientAnswer(sc)
}

// DeleteUserPoolClient removes an app client.
func (s *Service) DeleteUserPoolClient(ctx context.Context, in *ClientRef) (map[string]any, error) {
	if _, _, err := s.poolClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		return nil, err
	}
	if err := s.store.DeleteClient(ctx, in.ClientId); isNotFound(err) {
		return nil, clientNotFound(in.ClientId)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// ListUserPoolClientsInput is the ListUserPoolClients request.
type ListUserPoolClientsInput struct {
	UserPoolId string
	MaxResults int
	NextToken  string
}

// ListUserPoolClients lists a pool's app clients.
func (s *Service) ListUserPoolClients(ctx context.Context, in *ListUserPoolClientsInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	list, next, err := listPage(s, "clients/"+p.ID, in.NextToken, in.MaxResults,
		func(pg storage.Page) ([]storage.Client, error) { return s.store.ListClients(ctx, p.ID, pg) },
		func(c storage.Client) int64 { return c.Seq })
	if err != nil {
		return nil, err
	}
	out := make([]UserPoolClientDescription, 0, len(list))
	for _, c := range list {
		out = append(out, UserPoolClientDescription{ClientId: c.ID, UserPoolId: c.PoolID, ClientName: c.Name})
	}
	res := map[string]any{"UserPoolClients": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}
