package userpool

import (
	"context"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// mfaSetupState rides in the sessions of the MFA_SETUP flow: the secret
// AssociateSoftwareToken made, and whether VerifySoftwareToken checked a
// code of it.
type mfaSetupState struct {
	challengeState
	Secret   string `json:"secret"`
	Verified bool   `json:"verified,omitempty"`
	Device   string `json:"device,omitempty"`
	// Step is the time step of the code that verified Secret (not good again).
	Step int64 `json:"step,omitempty"`
}

// openSetup opens a session of the MFA_SETUP flow, as a challenge or as
// AssociateSoftwareToken or VerifySoftwareToken answered it.
func (s *Service) openSetup(sess string) (mfaSetupState, error) {
	var st mfaSetupState
	if err := s.sealer.Open("session", sess, s.now(), &st); err != nil || st.Name != "MFA_SETUP" {
		return st, errBadSession
	}
	return st, nil
}

func (s *Service) sealSetup(ctx context.Context, st mfaSetupState) (string, error) {
	ttl := 3 * time.Minute
	if p, c, err := s.clientFor(ctx, st.Client, st.Pool); err == nil && p != nil {
		ttl = time.Duration(c.AuthSessionValidity) * time.Minute
	}
	return s.sealer.Seal("session", s.now().Add(ttl), st)
}

// AssociateSoftwareToken begins registering an authenticator app: with an
// access token for the signed-in user, or with an MFA_SETUP session during
// sign-in. It answers the secret the app is to be given.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AssociateSoftwareToken.html
func (s *Service) AssociateSoftwareToken(ctx context.Context, in *struct {
	AccessToken string
	Session     string
}) (map[string]any, error) {
	if (in.AccessToken == "") == (in.Session == "") {
		return nil, apierr.Invalid("Exactly one of AccessToken and Session must be given.")
	}
	secret := newTOTPSecret()
	if in.Session != "" {
		st, err := s.openSetup(in.Session)
		if err != nil {
			return nil, err
		}
		st.Secret, st.Verified = secret, false
		sess, err := s.sealSetup(ctx, st)
		if err != nil {
			return nil, err
		}
		return map[string]any{"SecretCode": secret, "Session": sess}, nil
	}
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if !c.pool.totpAllowed() {
		return nil, errTOTPNotEnabled
	}
	_, err = s.editExtra(ctx, c.pool.ID, c.user.Sub, func(_ *storage.User, x *userExtra) error {
		x.TOTP.Pending = s.sealTOTP(c.pool.ID, c.user.Sub, secret)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"SecretCode": secret}, nil
}

// VerifySoftwareToken checks a code of the secret AssociateSoftwareToken
// gave and, if right, makes it the user's verified authenticator app.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_VerifySoftwareToken.html
func (s *Service) VerifySoftwareToken(ctx context.Context, in *struct {
	AccessToken        string
	Session            string
	UserCode           string
	FriendlyDeviceName string
}) (map[string]any, error) {
	if (in.AccessToken == "") == (in.Session == "") {
		return nil, apierr.Invalid("Exactly one of AccessToken and Session must be given.")
	}
	if in.Session != "" {
		st, err := s.openSetup(in.Session)
		if err != nil {
			return nil, err
		}
		if st.Secret == "" {
			return nil, errTOTPMismatch
		}
		step, ok := totpStep(st.Secret, in.UserCode, s.now())
		if !ok {
			return nil, errTOTPMismatch
		}
		st.Verified, st.Device, st.Step = true, in.FriendlyDeviceName, step
		sess, err := s.sealSetup(ctx, st)
		if err != nil {
			return nil, err
		}
		return map[string]any{"Status": "SUCCESS", "Session": sess}, nil
	}
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if !c.pool.totpAllowed() {
		return nil, errTOTPNotEnabled
	}
	_, err = s.useTOTPCode(ctx, c.pool, c.user.Sub, in.UserCode, errTOTPMismatch, func(t *totpRecord) string { return t.Pending }, func(t *totpRecord) {
		t.Secret, t.Pending, t.Device = t.Pending, "", in.FriendlyDeviceName
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Status": "SUCCESS"}, nil
}

// finishSetup answers an MFA_SETUP challenge whose session carries a
// verified secret: the secret becomes the user's active, preferred
// authenticator app, and the user is signed in.
func (s *Service) finishSetup(ctx context.Context, p *pool, c *UserPoolClientType, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openSetup(sess)
	if err != nil || st.Pool != p.ID || st.Client != c.ClientId {
		return nil, errBadSession
	}
	if !st.Verified {
		return nil, apierr.Invalid("The software token has not been verified: call VerifySoftwareToken with this session first.")
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	u, err := s.editExtra(ctx, p.ID, st.Sub, func(_ *storage.User, x *userExtra) error {
		x.TOTP = totpRecord{Secret: s.sealTOTP(p.ID, st.Sub, st.Secret), Device: st.Device, Enabled: true, LastStep: st.Step}
		x.MFA.Preferred = mfaTOTP
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u, st.DeviceKey)
}
