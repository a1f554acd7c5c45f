package userpool

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// pool is a stored pool with the parts of its configuration the rules use.
type pool struct {
	storage.Pool
	cfg                map[string]json.RawMessage
	Schema             []SchemaAttributeType
	UsernameAttributes []string
	AliasAttributes    []string
	AutoVerified       []string // AutoVerifiedAttributes
	CaseSensitive      bool
	Policy             PasswordPolicyType
	DeletionProtection string
	mfa                mfaConfig
	ui                 map[string]uiCustomization
	// devices is the DeviceConfiguration; nil when devices are not tracked.
	devices *deviceConfig
	// security is UserPoolAddOns.AdvancedSecurityMode (OFF, AUDIT, ENFORCED).
	security string
	// firstFactors is SignInPolicy.AllowedFirstAuthFactors (PASSWORD when
	// the pool names none).
	firstFactors []string
	// adminOnly is AdminCreateUserConfig.AllowAdminCreateUserOnly.
	adminOnly bool
	// blocked are the BlockedIPRangeList of each risk configuration, by
	// whose it is (a client id, or ALL); see threat_protection.go.
	blocked map[string][]*net.IPNet
}

// Members of CreateUserPool that UpdateUserPool cannot change.
var immutablePoolMembers = []string{"SchemaAttributes", "UsernameAttributes", "AliasAttributes", "UsernameConfiguration"}

func decodePool(p storage.Pool) (*pool, error) {
	out := &pool{Pool: p, CaseSensitive: true}
	if err := json.Unmarshal(p.Config, &out.cfg); err != nil {
		return nil, err
	}
	get := func(name string, v any) {
		if raw, ok := out.cfg[name]; ok {
			_ = json.Unmarshal(raw, v)
		}
	}
	get("SchemaAttributes", &out.Schema)
	get("UsernameAttributes", &out.UsernameAttributes)
	get("AliasAttributes", &out.AliasAttributes)
	get("AutoVerifiedAttributes", &out.AutoVerified)
	get("DeviceConfiguration", &out.devices)
	var addOns struct{ AdvancedSecurityMode string }
	get("UserPoolAddOns", &addOns)
	out.security = addOns.AdvancedSecurityMode
	var uc struct{ CaseSensitive *bool }
	get("UsernameConfiguration", &uc)
	if uc.CaseSensitive != nil {
		out.CaseSensitive = *uc.CaseSensitive
	}
	var pol struct {
		PasswordPolicy PasswordPolicyType
		SignInPolicy   struct{ AllowedFirstAuthFactors []string }
	}
	get("Policies", &pol)
	out.Policy, out.firstFactors = pol.PasswordPolicy, pol.SignInPolicy.AllowedFirstAuthFactors
	if len(out.firstFactors) == 0 {
		out.firstFactors = []string{"PASSWORD"}
	}
	var acu struct{ AllowAdminCreateUserOnly bool }
	get("AdminCreateUserConfig", &acu)
	out.adminOnly = acu.AllowAdminCreateUserOnly
	out.blocked = blockedRanges(out.riskConfigs())
	get("DeletionProtection", &out.DeletionProtection)
	out.mfa, out.ui = decodeMFA(out.cfg), decodeUI(out.cfg)
	return out, nil
}

// key normalises a username or alias for lookups: case-folded in a
// case-insensitive pool.
func (p *pool) key(v string) string {
	if p.CaseSensitive {
		return v
	}
	return strings.ToLower(v)
}

func (p *pool) usernameAttribute(name string) bool { return contains(p.UsernameAttributes, name) }
func (p *pool) aliasAttribute(name string) bool    { return contains(p.AliasAttributes, name) }

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func poolNotFound(id string) error {
	return apierr.New(apierr.ResourceNotFound, "User pool %s does not exist.", id)
}

// poolCacheTTL is how long a node serves a pool's configuration without
// reading it again. Changes made through this node are seen at once; changes
// made through another node sharing the database within this time.
const poolCacheTTL = time.Second

type cachedPool struct {
	p       *pool
	fetched time.Time
}

// getPool reads a pool of the caller's region. Decoded configurations are
// cached for poolCacheTTL, and beyond that reused while the stored bytes
// are unchanged.
func (s *Service) getPool(ctx context.Context, id string) (*pool, error) {
	now := time.Now()
	var cached *cachedPool
	if c, ok := s.pools.Load(id); ok {
		cached = c.(*cachedPool)
	}
	if cached == nil || now.Sub(cached.fetched) > poolCacheTTL {
		sp, err := s.store.GetPool(ctx, id)
		if isNotFound(err) {
			s.pools.Delete(id)
			return nil, poolNotFound(id)
		}
		if err != nil {
			return nil, err
		}
		if cached == nil || cached.p.Name != sp.Name || !cached.p.Modified.Equal(sp.Modified) || !bytes.Equal(cached.p.Config, sp.Config) {
			dp, err := decodePool(sp)
			if err != nil {
				return nil, err
			}
			cached = &cachedPool{p: dp}
		}
		cached = &cachedPool{p: cached.p, fetched: now}
		s.pools.Store(id, cached)
	}
	if r := RegionFrom(ctx); r != "" && r != cached.p.Region {
		if err := inSecondary(cached.p, r, operationFrom(ctx)); err != nil {
			return nil, err
		}
	}
	return cached.p, nil
}

// forgetPool drops a pool from the cache after this node changed it.
func (s *Service) forgetPool(id string) { s.pools.Delete(id) }

type poolRequest = map[string]json.RawMessage

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// CreateUserPool creates a pool. https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html
func (s *Service) CreateUserPool(ctx context.Context, in poolRequest) (map[string]any, error) {
	region := RegionFrom(ctx)
	now := s.clock()
	cfg := poolRequest{}
	for k, v := range in {
		if k != "PoolName" && k != "Schema" && string(v) != "null" {
			cfg[k] = v
		}
	}
	var schemaIn []schemaInput
	if raw, ok := in["Schema"]; ok {
		if err := json.Unmarshal(raw, &schemaIn); err != nil {
			return nil, apierr.Invalid("Invalid Schema.")
		}
	}
	schema, err := buildSchema(schemaIn)
	if err != nil {
		return nil, err
	}
	cfg["SchemaAttributes"] = mustJSON(schema)
	var ua, aa []string
	if raw, ok := in["UsernameAttributes"]; ok {
		_ = json.Unmarshal(raw, &ua)
	}
	if raw, ok := in["AliasAttributes"]; ok {
		_ = json.Unmarshal(raw, &aa)
	}
	if len(ua) > 0 && len(aa) > 0 {
		return nil, apierr.Invalid("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	}
	if err := s.normalisePoolConfig(cfg); err != nil {
		return nil, err
	}
	if _, ok := cfg["UsernameConfiguration"]; !ok {
		cfg["UsernameConfiguration"] = mustJSON(map[string]bool{"CaseSensitive": true})
	}
	sp := storage.Pool{Region: region, Name: str(in["PoolName"]), Config: mustJSON(cfg), Created: now, Modified: now}
	err = withFreshID(func() string { return region + "_" + randomString(9, alnum) }, func(id string) error {
		sp.ID = id
		return s.store.CreatePool(ctx, sp)
	})
	if err != nil {
		return nil, err
	}
	p, err := decodePool(sp)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPool": s.describePool(p, 0)}, nil
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// normalisePoolConfig fills the defaults Cognito reports for members that
// were left out, so that DescribeUserPool answers as the service does.
func (s *Service) normalisePoolConfig(cfg poolRequest) error {
	var pol struct {
		PasswordPolicy *passwordPolicyInput `json:"PasswordPolicy"`
		SignInPolicy   json.RawMessage      `json:"SignInPolicy,omitempty"`
	}
	if raw, ok := cfg["Policies"]; ok {
		_ = json.Unmarshal(raw, &pol)
	}
	pp := PasswordPolicyType{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
	if in := pol.PasswordPolicy; in != nil {
		if in.MinimumLength != nil {
			pp.MinimumLength = *in.MinimumLength
		}
		pp.RequireUppercase = deref(in.RequireUppercase)
		pp.RequireLowercase = deref(in.RequireLowercase)
		pp.RequireNumbers = deref(in.RequireNumbers)
		pp.RequireSymbols = deref(in.RequireSymbols)
		pp.PasswordHistorySize = in.PasswordHistorySize
		if in.TemporaryPasswordValidityDays != nil {
			pp.TemporaryPasswordValidityDays = *in.TemporaryPasswordValidityDays
		}
	}
	if pp.MinimumLength < 6 || pp.MinimumLength > 99 {
		return apierr.Invalid("1 validation error detected: Value '%d' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value greater than or equal to 6", pp.MinimumLength)
	}
	policies := map[string]any{"PasswordPolicy": pp}
	if len(pol.SignInPolicy) > 0 {
		policies["SignInPolicy"] = pol.SignInPolicy
	} else {
		policies["SignInPolicy"] = map[string]any{"AllowedFirstAuthFactors": []string{"PASSWORD"}}
	}
	cfg["Policies"] = mustJSON(policies)
	defaults := map[string]any{
		"DeletionProtection":          "INACTIVE",
		"LambdaConfig":                map[string]any{},
		"MfaConfiguration":            "OFF",
		"EmailConfiguration":          map[string]any{"EmailSendingAccount": "COGNITO_DEFAULT"},
		"AdminCreateUserConfig":       map[string]any{"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7},
		"VerificationMessageTemplate": map[string]any{"DefaultEmailOption": "CONFIRM_WITH_CODE"},
		"UserPoolTier":                "ESSENTIALS",
	}
	for k, v := range defaults {
		if _, ok := cfg[k]; !ok {
			cfg[k] = mustJSON(v)
		}
	}
	return nil
}

// describePool renders a pool as UserPoolType.
func (s *Service) describePool(p *pool, users int) map[string]any {
	out := map[string]any{}
	for k, v := range p.cfg {
		if !strings.HasPrefix(k, "cognitod:") { // cognitod's own members
			out[k] = v
		}
	}
	out["Id"] = p.ID
	out["Name"] = p.Name
	out["Arn"] = s.poolARN(p.ID, p.Region)
	out["CreationDate"] = awsjson.T(p.Created)
	out["LastModifiedDate"] = awsjson.T(p.Modified)
	out["EstimatedNumberOfUsers"] = users
	return out
}

// DescribeUserPool answers a pool's configuration.
func (s *Service) DescribeUserPool(ctx context.Context, in *struct{ UserPoolId string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	n, err := s.store.CountUsers(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	out := s.describePool(p, n)
	if r := RegionFrom(ctx); r != "" && r != p.Region { // through its secondary replica
		out["Arn"] = s.poolARN(p.ID, r)
	}
	domains, err := s.store.DomainsOf(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range domains {
		var cfg DomainInput
		_ = json.Unmarshal(d.Config, &cfg)
		if cfg.CustomDomainConfig != nil {
			out["CustomDomain"] = d.Domain
		} else {
			out["Domain"] = d.Domain
		}
	}
	return map[string]any{"UserPool": out}, nil
}

// ListUserPoolsInput is the ListUserPools request.
type ListUserPoolsInput struct {
	NextToken  string
	MaxResults int
}

// ListUserPools lists the pools of the caller's region: those made there,
// and those with a secondary replica there.
func (s *Service) ListUserPools(ctx context.Context, in *ListUserPoolsInput) (map[string]any, error) {
	region := RegionFrom(ctx)
	pools, next, err := listPage(s, "pools/"+region, in.NextToken, in.MaxResults,
		func(pg storage.Page) ([]storage.Pool, error) { return s.poolsIn(ctx, region, pg) },
		func(p storage.Pool) int64 { return p.Seq })
	if err != nil {
		return nil, err
	}
	out := make([]UserPoolDescriptionType, 0, len(pools))
	for _, sp := range pools {
		p, err := decodePool(sp)
		if err != nil {
			return nil, err
		}
		var lc map[string]any
		_ = json.Unmarshal(p.cfg["LambdaConfig"], &lc)
		if lc == nil {
			lc = map[string]any{}
		}
		d := UserPoolDescriptionType{Id: p.ID, Name: p.Name, LambdaConfig: lc, CreationDate: awsjson.T(p.Created), LastModifiedDate: awsjson.T(p.Modified)}
		for _, r := range p.replicas() {
			d.ReplicaRegions = append(d.ReplicaRegions, r.RegionName)
		}
		out = append(out, d)
	}
	res := map[string]any{"UserPools": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

// UpdateUserPool replaces a pool's changeable settings. As in Cognito, a
// member left out of the request goes back to its default.
func (s *Service) UpdateUserPool(ctx context.Context, in poolRequest) (map[string]any, error) {
	id := str(in["UserPoolId"])
	if _, err := s.getPool(ctx, id); err != nil {
		return nil, err
	}
	return nil, s.changePool(ctx, id, true, func(old *pool) error {
		cfg := poolRequest{}
		for k, v := range in {
			if k != "UserPoolId" && k != "PoolName" && string(v) != "null" {
				cfg[k] = v
			}
		}
		for _, k := range immutablePoolMembers {
			if v, ok := old.cfg[k]; ok {
				cfg[k] = v
			}
		}
		// Kept when not given: tags, which TagResource and UntagResource
		// also manage, and cognitod's own "cognitod:" members, set by other
		// operations (MFA beyond MfaConfiguration, UI customization, risk
		// configurations, log delivery, terms). Every other member left out
		// returns to its default, as in Cognito.
		for k, v := range old.cfg {
			if _, given := cfg[k]; !given && (k == "UserPoolTags" || strings.HasPrefix(k, "cognitod:")) {
				cfg[k] = v
			}
		}
		if err := s.normalisePoolConfig(cfg); err != nil {
			return err
		}
		if name := str(in["PoolName"]); name != "" {
			old.Name = name
		}
		old.cfg = cfg
		return nil
	})
}

// DeleteUserPool deletes a pool and all it holds, unless deletion protection is on.
func (s *Service) DeleteUserPool(ctx context.Context, in *struct{ UserPoolId string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if p.DeletionProtection == "ACTIVE" {
		return nil, apierr.Invalid("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
	}
	defer s.forgetPool(p.ID)
	err = s.store.DeletePool(ctx, p.ID)
	if isNotFound(err) {
		return nil, poolNotFound(p.ID)
	}
	return nil, err
}

// PoolExists reports whether a pool exists (in any region).
func (s *Service) PoolExists(ctx context.Context, id string) bool {
	_, err := s.store.GetPool(ctx, id)
	return err == nil
}
