package userpool

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// The operations here change one part of a pool's configuration and keep
// the rest: tags, the MFA configuration and custom attributes. They are
// what infrastructure tools call beside CreateUserPool and UpdateUserPool
// (Terraform reads every pool's MFA configuration, for one).

// mfaMember keeps the parts of SetUserPoolMfaConfig that DescribeUserPool
// does not report; describePool leaves it out.
const mfaMember = "cognitod:MfaConfig"

// changePool applies fn to a pool's stored configuration; touch also sets
// LastModifiedDate (tags are not the pool's configuration and do not).
func (s *Service) changePool(ctx context.Context, id string, touch bool, fn func(p *pool) error) error {
	defer s.forgetPool(id)
	_, err := s.store.UpdatePool(ctx, id, func(sp *storage.Pool) error {
		p, err := decodePool(*sp)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		sp.Name, sp.Config = p.Name, mustJSON(p.cfg)
		if touch {
			sp.Modified = s.clock()
		}
		return nil
	})
	if isNotFound(err) {
		return poolNotFound(id)
	}
	return err
}

// maxPoolTags is Cognito's quota of tags per user pool.
const maxPoolTags = 50

// poolOfARN answers the pool a user pool ARN of this account names.
func (s *Service) poolOfARN(ctx context.Context, arn string) (*pool, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "cognito-idp" || !strings.HasPrefix(parts[5], "userpool/") {
		return nil, apierr.Invalid("%s is not the ARN of a user pool.", arn)
	}
	p, err := s.getPool(ctx, strings.TrimPrefix(parts[5], "userpool/"))
	if e, ok := apierr.As(err); err != nil && (!ok || e.Code != apierr.ResourceNotFound) {
		return nil, err
	}
	if err != nil || parts[3] != p.Region || parts[4] != s.accountID {
		return nil, apierr.New(apierr.ResourceNotFound, "The resource %s does not exist.", arn)
	}
	return p, nil
}

func (p *pool) tags() map[string]string {
	tags := map[string]string{}
	if raw, ok := p.cfg["UserPoolTags"]; ok {
		_ = json.Unmarshal(raw, &tags)
	}
	return tags
}

func (p *pool) setTags(tags map[string]string) {
	if len(tags) == 0 {
		delete(p.cfg, "UserPoolTags")
		return
	}
	p.cfg["UserPoolTags"] = mustJSON(tags)
}

// TagResource adds tags to a user pool, replacing the values of keys it has.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TagResource.html
func (s *Service) TagResource(ctx context.Context, in *struct {
	ResourceArn string
	Tags        map[string]string
}) (map[string]any, error) {
	return s.editTags(ctx, in.ResourceArn, func(tags map[string]string) error {
		maps.Copy(tags, in.Tags)
		if len(tags) > maxPoolTags {
			return apierr.Invalid("A user pool can have at most %d tags; this request would give it %d.", maxPoolTags, len(tags))
		}
		return nil
	})
}

// editTags changes the tags of the pool an ARN names.
func (s *Service) editTags(ctx context.Context, arn string, edit func(tags map[string]string) error) (map[string]any, error) {
	p, err := s.poolOfARN(ctx, arn)
	if err != nil {
		return nil, err
	}
	return map[string]any{}, s.changePool(ctx, p.ID, false, func(p *pool) error {
		tags := p.tags()
		if err := edit(tags); err != nil {
			return err
		}
		p.setTags(tags)
		return nil
	})
}

// UntagResource removes tags from a user pool (keys it does not have are ignored).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UntagResource.html
func (s *Service) UntagResource(ctx context.Context, in *struct {
	ResourceArn string
	TagKeys     []string
}) (map[string]any, error) {
	return s.editTags(ctx, in.ResourceArn, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
}

// ListTagsForResource answers a user pool's tags.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListTagsForResource.html
func (s *Service) ListTagsForResource(ctx context.Context, in *struct{ ResourceArn string }) (map[string]any, error) {
	p, err := s.poolOfARN(ctx, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Tags": p.tags()}, nil
}

// mfaConfig is SetUserPoolMfaConfig's request and GetUserPoolMfaConfig's answer.
type mfaConfig struct {
	UserPoolId                    string          `json:",omitempty"`
	SmsMfaConfiguration           json.RawMessage `json:",omitempty"`
	SoftwareTokenMfaConfiguration json.RawMessage `json:",omitempty"`
	EmailMfaConfiguration         json.RawMessage `json:",omitempty"`
	MfaConfiguration              string          `json:",omitempty"`
	WebAuthnConfiguration         json.RawMessage `json:",omitempty"`
}

// mfaConfig is the pool's MFA configuration (decoded with the pool: every
// sign-in reads it).
func (p *pool) mfaConfig() mfaConfig { return p.mfa }

// decodeMFA reads a pool configuration's MFA settings: MfaConfiguration and
// the SMS message and configuration are the pool's members DescribeUserPool
// reports; the rest is kept in mfaMember.
func decodeMFA(cfg map[string]json.RawMessage) mfaConfig {
	var c mfaConfig
	if raw, ok := cfg[mfaMember]; ok {
		_ = json.Unmarshal(raw, &c)
	}
	c.MfaConfiguration = str(cfg["MfaConfiguration"])
	if c.MfaConfiguration == "" {
		c.MfaConfiguration = "OFF"
	}
	sms := map[string]json.RawMessage{}
	for _, k := range []string{"SmsAuthenticationMessage", "SmsConfiguration"} {
		if v, ok := cfg[k]; ok {
			sms[k] = v
		}
	}
	if len(sms) > 0 {
		c.SmsMfaConfiguration = mustJSON(sms)
	}
	return c
}

// GetUserPoolMfaConfig answers a pool's MFA configuration (see mfa.go for
// what sign-in makes of it).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUserPoolMfaConfig.html
func (s *Service) GetUserPoolMfaConfig(ctx context.Context, in *struct{ UserPoolId string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	return mfaAnswer(p.mfaConfig()), nil
}

func mfaAnswer(c mfaConfig) map[string]any {
	c.UserPoolId = ""
	var out map[string]any
	_ = json.Unmarshal(mustJSON(c), &out)
	return out
}

// SetUserPoolMfaConfig sets a pool's MFA configuration. Like Cognito, it
// turns MFA on (ON or OPTIONAL) only with a second factor enabled: SMS,
// email or an authenticator app.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUserPoolMfaConfig.html
func (s *Service) SetUserPoolMfaConfig(ctx context.Context, in *mfaConfig) (map[string]any, error) {
	if _, err := s.getPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	if in.MfaConfiguration == "" {
		in.MfaConfiguration = "OFF"
	}
	var totp struct{ Enabled bool }
	_ = json.Unmarshal(in.SoftwareTokenMfaConfiguration, &totp)
	if in.MfaConfiguration != "OFF" && !totp.Enabled && in.SmsMfaConfiguration == nil && in.EmailMfaConfiguration == nil {
		return nil, apierr.Invalid("At least one MFA method must be enabled when MfaConfiguration is %s.", in.MfaConfiguration)
	}
	var out mfaConfig
	err := s.changePool(ctx, in.UserPoolId, true, func(p *pool) error {
		p.cfg["MfaConfiguration"] = mustJSON(in.MfaConfiguration)
		var sms map[string]json.RawMessage
		_ = json.Unmarshal(in.SmsMfaConfiguration, &sms)
		for k, v := range sms { // the pool's SMS settings, also used for its other messages
			if k == "SmsAuthenticationMessage" || k == "SmsConfiguration" {
				p.cfg[k] = v
			}
		}
		kept := mfaConfig{SoftwareTokenMfaConfiguration: in.SoftwareTokenMfaConfiguration, EmailMfaConfiguration: in.EmailMfaConfiguration, WebAuthnConfiguration: in.WebAuthnConfiguration}
		p.cfg[mfaMember] = mustJSON(kept)
		out = decodeMFA(p.cfg)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return mfaAnswer(out), nil
}

// AddCustomAttributes adds custom attributes to a pool's schema.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddCustomAttributes.html
func (s *Service) AddCustomAttributes(ctx context.Context, in *struct {
	UserPoolId       string
	CustomAttributes []schemaInput
}) (map[string]any, error) {
	if _, err := s.getPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	return map[string]any{}, s.changePool(ctx, in.UserPoolId, true, func(p *pool) error {
		schema := slices.Clone(p.Schema)
		custom := 0
		for _, a := range schema {
			if strings.Contains(a.Name, "custom:") {
				custom++
			}
		}
		for _, a := range in.CustomAttributes {
			attr, err := customAttribute(a)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(schema, func(e SchemaAttributeType) bool {
				return strings.TrimPrefix(e.Name, "dev:") == strings.TrimPrefix(attr.Name, "dev:")
			}) {
				return apierr.Invalid("Existing attribute already has name %s.", attr.Name)
			}
			if custom++; custom > maxCustomAttributes {
				return apierr.Invalid("The number of custom attributes exceeds %d.", maxCustomAttributes)
			}
			schema = append(schema, attr)
		}
		p.cfg["SchemaAttributes"] = mustJSON(schema)
		return nil
	})
}
