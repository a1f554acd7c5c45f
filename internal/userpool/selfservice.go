package userpool

import (
	"context"
	"errors"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/tokens"
)

var (
	errBadAccessToken     = apierr.New(apierr.NotAuthorized, "Invalid Access Token")
	errRevokedAccessToken = apierr.New(apierr.NotAuthorized, "Access Token has been revoked")
)

// caller is the user an access token speaks for.
type caller struct {
	pool   *pool
	user   storage.User
	claims tokens.Claims
}

// byAccessToken verifies an access token issued by cognitod and finds its
// user: a deleted, disabled or signed-out user's tokens stop working.
func (s *Service) byAccessToken(ctx context.Context, token string) (*caller, error) {
	poolID, claims, err := s.keys.Verify(ctx, token, s.Issuer, tokens.UseAccess, s.now())
	if errors.Is(err, tokens.ErrExpired) {
		return nil, apierr.New(apierr.NotAuthorized, "Access Token has expired")
	}
	if err != nil {
		return nil, errBadAccessToken
	}
	if !contains(strings.Fields(claims.String("scope")), "aws.cognito.signin.user.admin") {
		return nil, apierr.New(apierr.NotAuthorized, "Access Token does not have required scopes")
	}
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return nil, errBadAccessToken
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: claims.String("sub")})
	if isNotFound(err) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, errUserDisabled
	}
	// A token of a refresh lineage lives and dies with it (RevokeToken,
	// global sign-out); one without (revocation off) by the sign-out time.
	if origin := claims.String("origin_jti"); origin != "" {
		rt, err := s.store.GetRefreshToken(ctx, origin)
		if err == nil && rt.Revoked {
			return nil, errRevokedAccessToken
		}
	} else if out := extraOf(&u).SignedOutAt; out > 0 && claims.Int("iat")*1000 < out {
		return nil, errRevokedAccessToken
	}
	return &caller{pool: p, user: u, claims: claims}, nil
}

// AccessTokenInput is the request of operations that take only a token.
type AccessTokenInput struct{ AccessToken string }

// GetUser answers the signed-in user.
func (s *Service) GetUser(ctx context.Context, in *AccessTokenInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	ids, err := s.identitiesOf(ctx, c.pool.ID, c.user)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Username": c.user.Username, "UserAttributes": renderAttributes(&c.user, ids[c.user.Sub])}
	if mfa, preferred := mfaOf(&c.user); mfa != nil {
		out["UserMFASettingList"] = mfa
		if preferred != "" {
			out["PreferredMfaSetting"] = preferred
		}
	}
	return out, nil
}

// UpdateUserAttributesInput is the UpdateUserAttributes request.
type UpdateUserAttributesInput struct {
	AccessToken    string
	UserAttributes []AttributeType
	ClientMetadata map[string]string
}

// UpdateUserAttributes lets a user change its attributes; a changed email or
// phone number is unverified and, when the pool auto-verifies it, a code is
// sent.
func (s *Service) UpdateUserAttributes(ctx context.Context, in *UpdateUserAttributesInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	p := c.pool
	if err := p.checkWrite(in.UserAttributes, false); err != nil {
		return nil, err
	}
	var autoVerified []string
	_ = jsonInto(p.cfg["AutoVerifiedAttributes"], &autoVerified)
	codes := map[string]string{}
	u, err := s.store.UpdateUser(ctx, p.ID, c.user.Sub, func(u *storage.User) error {
		for _, a := range in.UserAttributes {
			old, had := attr(u, a.Name)
			setAttr(u, a.Name, deref(a.Value))
			changed := !had || old != deref(a.Value)
			if (a.Name == "email" || a.Name == "phone_number") && changed {
				setAttr(u, a.Name+"_verified", "false")
				if contains(autoVerified, a.Name) {
					codes[a.Name] = newCode(u, codeVerify+a.Name, a.Name, 24*60*60e9, s.now())
				}
			}
		}
		p.index(u)
		u.Modified = s.clock()
		return nil
	})
	if field, dup := uniqueField(err); dup {
		if ae := aliasError(field); ae != nil {
			return nil, ae
		}
	}
	if err != nil {
		return nil, err
	}
	list := []*CodeDeliveryDetailsType{}
	for name, code := range codes {
		v, _ := attr(&u, name)
		medium := "EMAIL"
		if name == "phone_number" {
			medium = "SMS"
		}
		d, err := s.send(ctx, p, &u, delivery{reason: "UpdateUserAttribute", code: code, medium: medium, attr: name, dest: v})
		if err != nil {
			return nil, err
		}
		if d != nil {
			list = append(list, d)
		}
	}
	return map[string]any{"CodeDeliveryDetailsList": list}, nil
}

// DeleteUser lets a user delete itself.
func (s *Service) DeleteUser(ctx context.Context, in *AccessTokenInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteUser(ctx, c.pool.ID, c.user.Sub); err != nil && !isNotFound(err) {
		return nil, err
	}
	return nil, nil
}

// DeleteUserAttributes lets a user remove attributes.
func (s *Service) DeleteUserAttributes(ctx context.Context, in *struct {
	AccessToken        string
	UserAttributeNames []string
}) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return s.AdminDeleteUserAttributes(ctx, &AdminDeleteUserAttributesInput{UserPoolId: c.pool.ID, Username: c.user.Username, UserAttributeNames: in.UserAttributeNames})
}

// ChangePassword changes a signed-in user's password.
func (s *Service) ChangePassword(ctx context.Context, in *struct {
	PreviousPassword string
	ProposedPassword string
	AccessToken      string
}) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if !checkPassword(c.user.Password, in.PreviousPassword) {
		return nil, errBadCredentials
	}
	if err := checkPolicy(c.pool.Policy, in.ProposedPassword); err != nil {
		return nil, err
	}
	_, err = s.store.UpdateUser(ctx, c.pool.ID, c.user.Sub, func(u *storage.User) error {
		u.Password = hashPassword(c.pool.ID, u.Username, in.ProposedPassword, chosenPasswordRounds, s.clock())
		u.Modified = s.clock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, s.recordAuthEvent(ctx, c.pool, c.claims.String("client_id"), c.user.Sub, "PasswordChange", "Pass")
}

// signOut revokes every refresh token of a user and every access token
// issued before now.
func (s *Service) signOut(ctx context.Context, p *pool, sub string) error {
	if err := s.store.RevokeUserTokens(ctx, p.ID, sub); err != nil {
		return err
	}
	_, err := s.editExtra(ctx, p.ID, sub, func(_ *storage.User, x *userExtra) error {
		x.SignedOutAt = s.now().UnixMilli()
		return nil
	})
	return err
}

// GlobalSignOut signs a user out everywhere.
func (s *Service) GlobalSignOut(ctx context.Context, in *AccessTokenInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return nil, s.signOut(ctx, c.pool, c.user.Sub)
}

// AdminUserGlobalSignOut signs a user out everywhere.
func (s *Service) AdminUserGlobalSignOut(ctx context.Context, in *UserRef) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return nil, s.signOut(ctx, p, u.Sub)
}

// RevokeToken revokes a refresh token and the access tokens issued from it.
func (s *Service) RevokeToken(ctx context.Context, in *struct {
	Token        string
	ClientId     string
	ClientSecret string
}) (map[string]any, error) {
	_, c, err := s.clientFor(ctx, in.ClientId, "")
	if err != nil {
		return nil, err
	}
	if c.ClientSecret != "" && !c.secretIs(in.ClientSecret) {
		return nil, apierr.New(apierr.NotAuthorized, "Client secret is invalid")
	}
	if !c.EnableTokenRevocation {
		return nil, apierr.New(apierr.UnsupportedOperation, "Token revocation is not enabled for this app client")
	}
	rt, err := s.openRefresh(ctx, c, in.Token)
	if errors.Is(err, errRevokedRefresh) {
		return nil, nil
	}
	if err != nil {
		return nil, apierr.New(apierr.UnsupportedTokenType, "The token provided is not a valid refresh token.")
	}
	return nil, s.store.RevokeRefreshToken(ctx, rt.ID)
}

// GetUserAttributeVerificationCode sends a code to verify email or phone_number.
func (s *Service) GetUserAttributeVerificationCode(ctx context.Context, in *struct {
	AccessToken    string
	AttributeName  string
	ClientMetadata map[string]string
}) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	value, ok := attr(&c.user, in.AttributeName)
	if !ok || (in.AttributeName != "email" && in.AttributeName != "phone_number") {
		return nil, apierr.Invalid("Invalid attribute name: %s can not be verified.", in.AttributeName)
	}
	var code string
	u, err := s.store.UpdateUser(ctx, c.pool.ID, c.user.Sub, func(u *storage.User) error {
		code = newCode(u, codeVerify+in.AttributeName, in.AttributeName, 24*60*60e9, s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	medium := map[string]string{"email": "EMAIL", "phone_number": "SMS"}[in.AttributeName]
	d, err := s.send(ctx, c.pool, &u, delivery{reason: "VerifyUserAttribute", code: code, medium: medium, attr: in.AttributeName, dest: value})
	if err != nil {
		return nil, err
	}
	return map[string]any{"CodeDeliveryDetails": d}, nil
}

// VerifyUserAttribute checks a code and marks the attribute verified.
func (s *Service) VerifyUserAttribute(ctx context.Context, in *struct {
	AccessToken   string
	AttributeName string
	Code          string
}) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	_, err = s.store.UpdateUser(ctx, c.pool.ID, c.user.Sub, func(u *storage.User) error {
		switch res, _ := useCode(u, codeVerify+in.AttributeName, in.Code, s.now()); res {
		case codeMismatch:
			return errCodeMismatch
		case codeExpired:
			return errCodeExpired
		}
		setAttr(u, in.AttributeName+"_verified", "true")
		c.pool.index(u)
		u.Modified = s.clock()
		return nil
	})
	if field, dup := uniqueField(err); dup {
		if ae := aliasError(field); ae != nil {
			return nil, ae
		}
	}
	return nil, err
}

var (
	errCodeMismatch = apierr.New(apierr.CodeMismatch, "Invalid verification code provided, please try again.")
	errCodeExpired  = apierr.New(apierr.ExpiredCode, "Invalid code provided, please request a code again.")
)
