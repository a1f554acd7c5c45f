package userpool

import (
	"context"
	"errors"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// Refresh token rotation: a client whose RefreshTokenRotation Feature is
// ENABLED renews sessions only with GetTokensFromRefreshToken, which
// answers a new refresh token too; the one it replaces stays good for the
// client's RetryGracePeriodSeconds (for a client's retries), then answers
// RefreshTokenReuseException. The new token is good for the client's
// refresh token validity from its issue, as one a sign-in gives.

var errRefreshReused = apierr.New(apierr.RefreshTokenReuse, "Refresh token has been invalidated by refresh token rotation.")

// rotation answers whether a client rotates refresh tokens, and its grace period.
func rotation(c *UserPoolClientType) (bool, time.Duration) {
	if c.RefreshTokenRotation == nil || c.RefreshTokenRotation["Feature"] != "ENABLED" {
		return false, 0
	}
	grace, _ := c.RefreshTokenRotation["RetryGracePeriodSeconds"].(float64)
	return true, time.Duration(grace) * time.Second
}

// GetTokensFromRefreshToken renews a session's tokens with its refresh
// token (and the client's secret, if it has one); with rotation, the
// answer has a new refresh token.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetTokensFromRefreshToken.html
func (s *Service) GetTokensFromRefreshToken(ctx context.Context, in *struct {
	RefreshToken   string
	ClientId       string
	ClientSecret   string
	DeviceKey      string
	ClientMetadata map[string]string
}) (map[string]any, error) {
	ctx = withTokenMetadata(ctx, in.ClientMetadata)
	p, c, err := s.clientFor(ctx, in.ClientId, "")
	if err != nil {
		return nil, err
	}
	if !flowAllowed(c, "REFRESH_TOKEN_AUTH") {
		return nil, apierr.Invalid("REFRESH_TOKEN_AUTH flow not enabled for this client")
	}
	if c.ClientSecret != "" {
		if in.ClientSecret == "" {
			return nil, apierr.New(apierr.NotAuthorized, "Client %s is configured with secret but ClientSecret was not received", c.ClientId)
		}
		if !c.secretIs(in.ClientSecret) {
			return nil, apierr.New(apierr.NotAuthorized, "Unable to verify secret for client %s", c.ClientId)
		}
	}
	rt, u, err := s.refreshUser(ctx, p, c, in.RefreshToken, in.DeviceKey)
	if err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, errUserDisabled
	}
	ss := &session{pool: p, client: c, user: u, authTime: rt.AuthTime, origin: rt.ID, source: "TokenGeneration_RefreshTokens", device: rt.device}
	rotate, grace := rotation(c)
	if rotate {
		ss.rotates, ss.grace = rt.ID, grace
	}
	res, err := s.issue(ctx, ss, rotate)
	if errors.Is(err, storage.ErrRevoked) {
		return nil, errRevokedRefresh
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"AuthenticationResult": res}, nil
}
