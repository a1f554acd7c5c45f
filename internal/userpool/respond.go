package userpool

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/storage"
)

func toStdBase64(sealed string) string {
	raw, _ := base64.RawURLEncoding.DecodeString(sealed)
	return base64.StdEncoding.EncodeToString(raw)
}

func fromStdBase64(block string) string {
	raw, err := base64.StdEncoding.DecodeString(block)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// RespondToAuthChallengeInput is the (Admin)RespondToAuthChallenge request.
type RespondToAuthChallengeInput struct {
	UserPoolId         string
	ClientId           string
	ChallengeName      string
	Session            string
	ChallengeResponses map[string]string
	ClientMetadata     map[string]string
}

// RespondToAuthChallenge answers NEW_PASSWORD_REQUIRED or PASSWORD_VERIFIER.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
func (s *Service) RespondToAuthChallenge(ctx context.Context, in *RespondToAuthChallengeInput) (map[string]any, error) {
	in.UserPoolId = ""
	return s.respond(ctx, in)
}

// AdminRespondToAuthChallenge is RespondToAuthChallenge from a trusted back end.
func (s *Service) AdminRespondToAuthChallenge(ctx context.Context, in *RespondToAuthChallengeInput) (map[string]any, error) {
	if _, err := s.getPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	return s.respond(ctx, in)
}

func (s *Service) respond(ctx context.Context, in *RespondToAuthChallengeInput) (map[string]any, error) {
	ctx = withTokenMetadata(ctx, in.ClientMetadata)
	p, c, err := s.clientFor(ctx, in.ClientId, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	r := in.ChallengeResponses
	switch in.ChallengeName {
	case "PASSWORD_VERIFIER":
		return s.verifySRP(ctx, p, c, r)
	case "NEW_PASSWORD_REQUIRED":
		return s.newPassword(ctx, p, c, in.Session, r)
	case mfaSMS, mfaTOTP, mfaEmail, factorSMSOTP:
		return s.answerFactor(ctx, p, c, in.ChallengeName, in.Session, r)
	case "SELECT_MFA_TYPE":
		return s.selectFactor(ctx, p, c, in.Session, r)
	case "MFA_SETUP":
		return s.finishSetup(ctx, p, c, in.Session, r)
	case factorWebAuthn:
		return s.answerPasskey(ctx, p, c, in.Session, r)
	case "SELECT_CHALLENGE", "PASSWORD", "PASSWORD_SRP":
		return s.answerFirstFactor(ctx, p, c, in.ChallengeName, in.Session, r)
	case "CUSTOM_CHALLENGE":
		return s.answerCustomChallenge(ctx, p, c, in)
	case "DEVICE_SRP_AUTH":
		return s.startDeviceSRP(ctx, p, c, in.Session, r)
	case "DEVICE_PASSWORD_VERIFIER":
		return s.verifyDeviceSRP(ctx, p, c, in.Session, r)
	}
	return nil, apierr.New(apierr.UnsupportedOperation, "cognitod does not implement the %s challenge yet.", in.ChallengeName)
}

func (s *Service) verifySRP(ctx context.Context, p *pool, c *UserPoolClientType, r map[string]string) (map[string]any, error) {
	st, err := s.openSRPAnswer(srpUser, p, c, r)
	if err != nil {
		return nil, err
	}
	u, proven := s.srpProven(ctx, p, st, r)
	if st.Custom != "" {
		return s.answerCustomPassword(ctx, p, c, st, r, proven)
	}
	if !proven {
		return nil, s.signInFailed(ctx, p, c.ClientId, u.Sub, errBadCredentials, "Password")
	}
	device := st.Device
	if r["DEVICE_KEY"] != "" {
		device = r["DEVICE_KEY"]
	}
	return s.afterPassword(ctx, p, c, u, device)
}

// srpProven checks a PASSWORD_VERIFIER proof against the user's verifier
// as stored now.
func (s *Service) srpProven(ctx context.Context, p *pool, st srpState, r map[string]string) (storage.User, bool) {
	if st.Fake {
		return storage.User{}, false
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: st.Sub})
	if err != nil {
		return u, false
	}
	v := passwordOf(u.Password).SRP
	return u, v != nil && auth.CheckProof(p.ID, u.Username, *v, st.A, st.B, st.Secret,
		r["PASSWORD_CLAIM_SECRET_BLOCK"], r["TIMESTAMP"], r["PASSWORD_CLAIM_SIGNATURE"]) == nil
}

func (s *Service) newPassword(ctx context.Context, p *pool, c *UserPoolClientType, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openChallenge(p, c, sess, "NEW_PASSWORD_REQUIRED")
	if err != nil {
		return nil, err
	}
	if r["NEW_PASSWORD"] == "" {
		return nil, apierr.Invalid("Missing required parameter NEW_PASSWORD")
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	if err := checkPolicy(p.Policy, r["NEW_PASSWORD"]); err != nil {
		return nil, err
	}
	var attrs []AttributeType
	for k, v := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			attrs = append(attrs, AttributeType{Name: name, Value: ptr(v)})
		}
	}
	if err := p.checkWrite(attrs, false); err != nil {
		return nil, err
	}
	u, err := s.store.UpdateUser(ctx, p.ID, st.Sub, func(u *storage.User) error {
		if u.Status != StatusForceChangePassword {
			return errBadSession
		}
		for _, a := range attrs {
			setAttr(u, a.Name, deref(a.Value))
		}
		u.Password = hashPassword(p.ID, u.Username, r["NEW_PASSWORD"], chosenPasswordRounds, s.clock())
		u.Status = StatusConfirmed
		p.index(u)
		u.Modified = s.clock()
		return nil
	})
	if isNotFound(err) {
		return nil, errUserNotFound
	}
	if field, dup := uniqueField(err); dup {
		if ae := aliasError(field); ae != nil {
			return nil, ae
		}
	}
	if err != nil {
		return nil, err
	}
	return s.afterPasswordBy(ctx, p, c, u, st.DeviceKey, "TokenGeneration_NewPasswordChallenge")
}

var (
	errBadRefresh     = apierr.New(apierr.NotAuthorized, "Invalid Refresh Token")
	errRevokedRefresh = apierr.New(apierr.NotAuthorized, "Refresh Token has been revoked")
)

// refreshGrant is an opened refresh token: its lineage, and the device
// it was issued to (in a pool that tracks devices).
type refreshGrant struct {
	storage.RefreshToken
	device string
}

// openRefresh finds the lineage of a refresh token given to client c.
func (s *Service) openRefresh(ctx context.Context, c *UserPoolClientType, token string) (refreshGrant, error) {
	sealed, ok := strings.CutPrefix(token, refreshPrefix)
	var body map[string]string
	if !ok || s.sealer.Open("refresh", sealed, s.now(), &body) != nil {
		return refreshGrant{}, errBadRefresh
	}
	got, err := s.store.GetRefreshToken(ctx, body["id"])
	rt := refreshGrant{RefreshToken: got, device: body["device"]}
	if isNotFound(err) || err == nil && (rt.ClientID != c.ClientId || body["client"] != c.ClientId) {
		return rt, errBadRefresh
	}
	if err != nil {
		return rt, err
	}
	if rt.Revoked {
		return rt, errRevokedRefresh
	}
	if s.now().After(rt.Expires) {
		if rt.Rotated {
			return rt, errRefreshReused
		}
		return rt, apierr.New(apierr.NotAuthorized, "Refresh Token has expired")
	}
	return rt, nil
}

// refreshUser opens a refresh token and finds its user. A token issued
// to a device renews only for that device: the caller names it, and the
// user still has it, confirmed (a forgotten device's tokens are dead).
func (s *Service) refreshUser(ctx context.Context, p *pool, c *UserPoolClientType, token, device string) (refreshGrant, storage.User, error) {
	rt, err := s.openRefresh(ctx, c, token)
	if err != nil {
		return rt, storage.User{}, err
	}
	if rt.device != "" && device != rt.device {
		return rt, storage.User{}, errBadRefresh
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: rt.UserSub})
	if isNotFound(err) {
		return rt, u, errBadRefresh
	}
	if err == nil && rt.device != "" {
		if x := extraOf(&u); x.device(rt.device) == nil {
			return rt, u, errBadRefresh
		}
	}
	return rt, u, err
}

func (s *Service) refresh(ctx context.Context, p *pool, c *UserPoolClientType, params map[string]string) (map[string]any, error) {
	token := params["REFRESH_TOKEN"]
	if token == "" {
		return nil, apierr.Invalid("Missing required parameter REFRESH_TOKEN")
	}
	if rotate, _ := rotation(c); rotate {
		return nil, apierr.Invalid("Refresh token rotation is enabled for this client: renew tokens with GetTokensFromRefreshToken.")
	}
	rt, u, err := s.refreshUser(ctx, p, c, token, params["DEVICE_KEY"])
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, params["SECRET_HASH"], params["USERNAME"], u.Username, u.Sub); err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, errUserDisabled
	}
	res, err := s.issue(ctx, &session{pool: p, client: c, user: u, authTime: rt.AuthTime, origin: rt.ID, source: "TokenGeneration_RefreshTokens", device: rt.device}, false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AuthenticationResult": res, "ChallengeParameters": map[string]string{}}, nil
}
