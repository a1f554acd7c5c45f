package userpool

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/tokens"
)

// AuthenticationResultType is what a successful sign-in answers.
type AuthenticationResultType struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int    `json:"ExpiresIn"`
	TokenType    string `json:"TokenType"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	IdToken      string `json:"IdToken"`
	// NewDeviceMetadata: the device a sign-in made, in a pool that tracks devices.
	NewDeviceMetadata *NewDeviceMetadataType `json:"NewDeviceMetadata,omitempty"`
}

// refreshPrefix is the header Cognito's (JWE) refresh tokens start with;
// clients treat the token as opaque.
const refreshPrefix = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ."

func validity(v int, unit string) time.Duration {
	switch unit {
	case "seconds":
		return time.Duration(v) * time.Second
	case "hours":
		return time.Duration(v) * time.Hour
	case "days":
		return time.Duration(v) * 24 * time.Hour
	}
	return time.Duration(v) * time.Minute
}

// session is what the tokens of one sign-in are made from.
type session struct {
	pool     *pool
	client   *UserPoolClientType
	user     storage.User
	authTime time.Time
	origin   string // refresh lineage id = origin_jti
	scopes   []string
	nonce    string
	// source is the PreTokenGeneration triggerSource (TokenGeneration_*).
	source string
	// rotates is the refresh lineage the new refresh token replaces (good
	// for grace more).
	rotates string
	grace   time.Duration
	// device is the device key the access token (and refresh token) speak for.
	device string
}

// groupClaims orders a user's groups by precedence (none last), then name.
func (s *Service) groupsOf(ctx context.Context, poolID, sub string) ([]storage.Group, error) {
	groups, err := s.store.GroupsOf(ctx, poolID, sub, storage.Page{Limit: 10000})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(groups, func(i, j int) bool {
		a, b := groups[i].Precedence, groups[j].Precedence
		switch {
		case a == nil && b == nil:
			return groups[i].Name < groups[j].Name
		case a == nil:
			return false
		case b == nil:
			return true
		case *a != *b:
			return *a < *b
		}
		return groups[i].Name < groups[j].Name
	})
	return groups, nil
}

// issue makes the ID and access tokens of a session (and a refresh token
// when withRefresh).
func (s *Service) issue(ctx context.Context, ss *session, withRefresh bool) (*AuthenticationResultType, error) {
	now := s.now().UTC()
	c := ss.client
	units := TokenValidityUnitsType{AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days"}
	if c.TokenValidityUnits != nil {
		units = *c.TokenValidityUnits
	}
	accessTTL := validity(c.AccessTokenValidity, units.AccessToken)
	idTTL := validity(c.IdTokenValidity, units.IdToken)
	out := &AuthenticationResultType{ExpiresIn: int(accessTTL.Seconds()), TokenType: "Bearer"}
	if withRefresh {
		ss.origin = uuid.NewString()
		rt := storage.RefreshToken{ID: ss.origin, PoolID: ss.pool.ID, ClientID: c.ClientId, UserSub: ss.user.Sub,
			AuthTime: ss.authTime, Created: now, Expires: now.Add(validity(c.RefreshTokenValidity, units.RefreshToken))}
		var err error
		if ss.rotates != "" {
			err = s.store.RotateRefreshToken(ctx, ss.rotates, now.Add(ss.grace), rt)
		} else {
			err = s.store.CreateRefreshToken(ctx, rt)
		}
		if err != nil {
			return nil, err
		}
		body := map[string]string{"id": rt.ID, "client": c.ClientId}
		if ss.device != "" {
			body["device"] = ss.device
		}
		sealed, err := s.sealer.Seal("refresh", rt.Expires, body)
		if err != nil {
			return nil, err
		}
		out.RefreshToken = refreshPrefix + sealed
	}
	groups, err := s.groupsOf(ctx, ss.pool.ID, ss.user.Sub)
	if err != nil {
		return nil, err
	}
	ids, err := s.identitiesOf(ctx, ss.pool.ID, ss.user)
	if err != nil {
		return nil, err
	}
	eventID := uuid.NewString()
	iss := s.Issuer(ss.pool.ID)
	common := func(ttl time.Duration, use string) tokens.Claims {
		cl := tokens.Claims{
			"sub": ss.user.Sub, "iss": iss, "event_id": eventID, "token_use": use,
			"auth_time": ss.authTime.Unix(), "iat": now.Unix(), "exp": now.Add(ttl).Unix(),
		}
		if c.EnableTokenRevocation {
			cl["jti"] = uuid.NewString()
			cl["origin_jti"] = ss.origin
		}
		if len(groups) > 0 {
			names := make([]string, len(groups))
			for i, g := range groups {
				names[i] = g.Name
			}
			cl["cognito:groups"] = names
		}
		return cl
	}
	access := common(accessTTL, "access")
	access["client_id"] = c.ClientId
	access["username"] = ss.user.Username
	if ss.device != "" {
		access["device_key"] = ss.device
	}
	scopes := ss.scopes
	if len(scopes) == 0 {
		scopes = []string{"aws.cognito.signin.user.admin"}
	} else {
		access["version"] = 2
	}
	access["scope"] = strings.Join(scopes, " ")
	id := common(idTTL, "id")
	id["aud"] = c.ClientId
	id["cognito:username"] = ss.user.Username
	if ss.nonce != "" {
		id["nonce"] = ss.nonce
	}
	for _, a := range ss.user.Attributes {
		switch a.Name {
		case "email_verified", "phone_number_verified":
			id[a.Name] = strings.EqualFold(a.Value, "true")
		default:
			if strings.HasPrefix(a.Name, "dev:") {
				continue
			}
			id[a.Name] = a.Value
		}
	}
	if len(ids[ss.user.Sub]) > 0 {
		id["identities"] = identitiesClaim(ids[ss.user.Sub])
	}
	var roles []string
	for _, g := range groups {
		if g.RoleArn != "" {
			roles = append(roles, g.RoleArn)
		}
	}
	if len(roles) > 0 {
		id["cognito:roles"] = roles
		if pref := preferredRole(groups); pref != "" {
			id["cognito:preferred_role"] = pref
		}
	}
	source := ss.source
	if source == "" {
		source = "TokenGeneration_Authentication"
	}
	if err := s.preTokenGeneration(ctx, ss, source, id, access); err != nil {
		return nil, err
	}
	if out.AccessToken, err = s.keys.Sign(ctx, ss.pool.ID, tokens.UseAccess, access); err != nil {
		return nil, err
	}
	if out.IdToken, err = s.keys.Sign(ctx, ss.pool.ID, tokens.UseID, id); err != nil {
		return nil, err
	}
	return out, nil
}

// preferredRole is the role of the group with the lowest precedence; on a
// tie with different roles there is none.
func preferredRole(groups []storage.Group) string {
	var best *storage.Group
	for i := range groups {
		g := &groups[i]
		if g.RoleArn == "" || g.Precedence == nil {
			continue
		}
		if best == nil || *g.Precedence < *best.Precedence {
			best = g
		} else if *g.Precedence == *best.Precedence && g.RoleArn != best.RoleArn {
			return ""
		}
	}
	if best == nil {
		return ""
	}
	return best.RoleArn
}

// identitiesClaim is the ID token's form of `identities`: an array whose
// primary and dateCreated are strings.
func identitiesClaim(ids []storage.Identity) []map[string]any {
	var list []identityJSON
	_ = json.Unmarshal([]byte(identitiesValue(ids)), &list)
	out := make([]map[string]any, len(list))
	for i, e := range list {
		var issuer any
		if e.Issuer != nil {
			issuer = *e.Issuer
		}
		primary := "false"
		if e.Primary {
			primary = "true"
		}
		out[i] = map[string]any{"userId": e.UserID, "providerName": e.ProviderName, "providerType": e.ProviderType,
			"issuer": issuer, "primary": primary, "dateCreated": json.Number(itoa64(e.DateCreated)).String()}
	}
	return out
}

func itoa64(n int64) string { b, _ := json.Marshal(n); return string(b) }
