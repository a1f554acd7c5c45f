package userpool

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// ResourceServerScopeType is a custom scope.
type ResourceServerScopeType struct {
	ScopeName        string `json:"ScopeName"`
	ScopeDescription string `json:"ScopeDescription"`
}

// ResourceServerType is a resource server on the wire.
type ResourceServerType struct {
	UserPoolId string                    `json:"UserPoolId"`
	Identifier string                    `json:"Identifier"`
	Name       string                    `json:"Name"`
	Scopes     []ResourceServerScopeType `json:"Scopes,omitempty"`
}

// ResourceServerInput is Create- and UpdateResourceServer.
type ResourceServerInput struct {
	UserPoolId string
	Identifier string
	Name       string
	Scopes     []ResourceServerScopeType
}

func rsType(r storage.ResourceServer) ResourceServerType {
	out := ResourceServerType{UserPoolId: r.PoolID, Identifier: r.Identifier, Name: r.Name}
	_ = json.Unmarshal(r.Scopes, &out.Scopes)
	return out
}

// stored is the resource server as kept (no scopes is an empty list).
func (in *ResourceServerInput) stored(poolID string) storage.ResourceServer {
	r := storage.ResourceServer{PoolID: poolID, Identifier: in.Identifier, Name: in.Name, Scopes: mustJSON(in.Scopes)}
	if in.Scopes == nil {
		r.Scopes = []byte("[]")
	}
	return r
}

func rsNotFound(id string) error {
	return apierr.New(apierr.ResourceNotFound, "Resource server %s does not exist.", id)
}

// CreateResourceServer adds a resource server and its custom scopes.
func (s *Service) CreateResourceServer(ctx context.Context, in *ResourceServerInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	r := in.stored(p.ID)
	if err := s.store.CreateResourceServer(ctx, r); err != nil {
		if _, dup := uniqueField(err); dup {
			return nil, apierr.Invalid("%s already exists in user pool %s.", in.Identifier, p.ID)
		}
		return nil, err
	}
	return map[string]any{"ResourceServer": rsType(r)}, nil
}

// ResourceServerRef names a resource server.
type ResourceServerRef struct {
	UserPoolId string
	Identifier string
}

// DescribeResourceServer answers a resource server.
func (s *Service) DescribeResourceServer(ctx context.Context, in *ResourceServerRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	r, err := s.store.GetResourceServer(ctx, p.ID, in.Identifier)
	if isNotFound(err) {
		return nil, rsNotFound(in.Identifier)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"ResourceServer": rsType(r)}, nil
}

// ListResourceServers lists a pool's resource servers.
func (s *Service) ListResourceServers(ctx context.Context, in *struct {
	UserPoolId string
	MaxResults int
	NextToken  string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	list, next, err := listPage(s, "rs/"+p.ID, in.NextToken, in.MaxResults,
		func(pg storage.Page) ([]storage.ResourceServer, error) {
			return s.store.ListResourceServers(ctx, p.ID, pg)
		},
		func(r storage.ResourceServer) int64 { return r.Seq })
	if err != nil {
		return nil, err
	}
	out := make([]ResourceServerType, 0, len(list))
	for _, r := range list {
		out = append(out, rsType(r))
	}
	res := map[string]any{"ResourceServers": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (s *Service) UpdateResourceServer(ctx context.Context, in *ResourceServerInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	r := in.stored(p.ID)
	if err := s.store.UpdateResourceServer(ctx, r); isNotFound(err) {
		return nil, rsNotFound(in.Identifier)
	} else if err != nil {
		return nil, err
	}
	return map[string]any{"ResourceServer": rsType(r)}, nil
}

// DeleteResourceServer removes a resource server.
func (s *Service) DeleteResourceServer(ctx context.Context, in *ResourceServerRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteResourceServer(ctx, p.ID, in.Identifier); isNotFound(err) {
		return nil, rsNotFound(in.Identifier)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// customScopeExists checks `<identifier>/<scope>` against the pool's resource servers.
func (s *Service) customScopeExists(ctx context.Context, poolID, scope string) bool {
	i := strings.LastIndex(scope, "/")
	if i <= 0 {
		return false
	}
	r, err := s.store.GetResourceServer(ctx, poolID, scope[:i])
	if err != nil {
		return false
	}
	for _, sc := range rsType(r).Scopes {
		if sc.ScopeName == scope[i+1:] {
			return true
		}
	}
	return false
}

// DomainInput is Create- and UpdateUserPoolDomain.
type DomainInput struct {
	Domain              string
	UserPoolId          string
	CustomDomainConfig  map[string]any
	ManagedLoginVersion *int
}

// CreateUserPoolDomain gives a pool a hosted-UI domain: a prefix (served as
// <prefix>.auth.<region>.amazoncognito.com) or a custom domain. cognitod
// serves every pool on its own address too; a domain additionally selects
// the pool by Host header.
func (s *Service) CreateUserPoolDomain(ctx context.Context, in *DomainInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if existing, _ := s.store.DomainsOf(ctx, p.ID); len(existing) > 0 {
		for _, d := range existing {
			var cfg DomainInput
			_ = json.Unmarshal(d.Config, &cfg)
			if (cfg.CustomDomainConfig == nil) == (in.CustomDomainConfig == nil) {
				return nil, apierr.Invalid("User pool %s already has a domain configured.", p.ID)
			}
		}
	}
	version := 1
	if in.ManagedLoginVersion != nil {
		version = *in.ManagedLoginVersion
	}
	in.ManagedLoginVersion = &version
	if err := s.store.CreateDomain(ctx, storage.Domain{Domain: in.Domain, PoolID: p.ID, Config: mustJSON(in), Created: s.clock()}); err != nil {
		if _, dup := uniqueField(err); dup {
			return nil, apierr.Invalid("Domain already associated with another user pool.")
		}
		return nil, err
	}
	out := map[string]any{"ManagedLoginVersion": version}
	if in.CustomDomainConfig != nil {
		out["CloudFrontDomain"] = in.Domain
	}
	return out, nil
}

// DescribeUserPoolDomain answers a domain (an unknown one answers an empty description, as Cognito).
func (s *Service) DescribeUserPoolDomain(ctx context.Context, in *struct{ Domain string }) (map[string]any, error) {
	d, err := s.store.GetDomain(ctx, in.Domain)
	if isNotFound(err) {
		return map[string]any{"DomainDescription": map[string]any{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var cfg DomainInput
	_ = json.Unmarshal(d.Config, &cfg)
	desc := map[string]any{"UserPoolId": d.PoolID, "AWSAccountId": s.accountID, "Domain": d.Domain, "Status": "ACTIVE",
		"Version": "20260101000000", "S3Bucket": "aws-cognito-prod-assets", "CloudFrontDistribution": d.Domain, "ManagedLoginVersion": cfg.ManagedLoginVersion}
	if cfg.CustomDomainConfig != nil {
		desc["CustomDomainConfig"] = cfg.CustomDomainConfig
	}
	return map[string]any{"DomainDescription": desc}, nil
}

// UpdateUserPoolDomain changes a custom domain's certificate or the managed login version.
func (s *Service) UpdateUserPoolDomain(ctx context.Context, in *DomainInput) (map[string]any, error) {
	d, err := s.poolDomain(ctx, in.UserPoolId, in.Domain)
	if err != nil {
		return nil, err
	}
	var cfg DomainInput
	_ = json.Unmarshal(d.Config, &cfg)
	if in.CustomDomainConfig != nil {
		cfg.CustomDomainConfig = in.CustomDomainConfig
	}
	if in.ManagedLoginVersion != nil {
		cfg.ManagedLoginVersion = in.ManagedLoginVersion
	}
	d.Config = mustJSON(cfg)
	if err := s.store.UpdateDomain(ctx, d); err != nil {
		return nil, err
	}
	out := map[string]any{"ManagedLoginVersion": cfg.ManagedLoginVersion}
	if cfg.CustomDomainConfig != nil {
		out["CloudFrontDomain"] = d.Domain
	}
	return out, nil
}

// DeleteUserPoolDomain removes a domain.
func (s *Service) DeleteUserPoolDomain(ctx context.Context, in *struct {
	Domain     string
	UserPoolId string
}) (map[string]any, error) {
	if _, err := s.poolDomain(ctx, in.UserPoolId, in.Domain); err != nil {
		return nil, err
	}
	return nil, s.store.DeleteDomain(ctx, in.Domain)
}

// PoolForHost answers the pool a Host header names through a domain:
// `<prefix>.auth.<region>.amazoncognito.com`, or a custom domain.
func (s *Service) PoolForHost(ctx context.Context, host string) (string, bool) {
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	for _, candidate := range []string{host, strings.SplitN(host, ".", 2)[0]} {
		if d, err := s.store.GetDomain(ctx, candidate); err == nil {
			return d.PoolID, true
		}
	}
	return "", false
}

// poolDomain reads a domain of a pool of the caller's region.
func (s *Service) poolDomain(ctx context.Context, poolID, domain string) (storage.Domain, error) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return storage.Domain{}, err
	}
	d, err := s.store.GetDomain(ctx, domain)
	if isNotFound(err) || err == nil && d.PoolID != p.ID {
		return d, apierr.New(apierr.ResourceNotFound, "Domain %s does not exist for user pool %s.", domain, p.ID)
	}
	return d, err
}
