package userpool

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// Multi-factor sign-in with an authenticator app (TOTP, "software token"):
// a user registers one with AssociateSoftwareToken and VerifySoftwareToken
// (with an access token, or a sign-in's session when the pool requires MFA
// and the user has none: the MFA_SETUP challenge), activates it with
// (Admin)SetUserMFAPreference, and then answers a SOFTWARE_TOKEN_MFA
// challenge after the password when the pool's MfaConfiguration is ON or
// OPTIONAL. SMS and email second factors are not emulated.

const (
	mfaTOTP     = "SOFTWARE_TOKEN_MFA"
	totpPeriod  = 30 * time.Second
	totpSkew    = 1 // periods either side of now that a code may come from
	totpSecretN = 20
)

var totpOpts = totp.ValidateOpts{Period: uint(totpPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// totpRecord is a user's authenticator app, kept in the user's extra state.
type totpRecord struct {
	// Pending is a secret AssociateSoftwareToken gave that no code has
	// verified yet; Secret the verified one.
	Pending string `json:"pending,omitempty"`
	Secret  string `json:"secret,omitempty"`
	Device  string `json:"device,omitempty"`
	// Enabled: activated by (Admin)SetUserMFAPreference or MFA_SETUP.
	Enabled   bool `json:"enabled,omitempty"`
	Preferred bool `json:"preferred,omitempty"`
	// LastStep is the time step of the last code accepted: a code is good once.
	LastStep int64 `json:"lastStep,omitempty"`
	// Failures counts wrong codes since the last right one; from the fifth,
	// codes are refused until LockedUntil (ms), a wait that doubles with
	// each further failure, as Cognito does for passwords: six digits do
	// not survive unbounded guessing.
	Failures    int   `json:"failures,omitempty"`
	LockedUntil int64 `json:"lockedUntil,omitempty"`
}

const (
	maxTOTPFailures = 5
	maxTOTPLockout  = 15 * time.Minute
)

func totpLockout(failures int) time.Duration {
	n := failures - maxTOTPFailures
	if n > 10 {
		return maxTOTPLockout
	}
	return min(time.Second<<n, maxTOTPLockout)
}

var (
	errTOTPNotEnabled = apierr.New(apierr.SoftwareTokenMFANotFound, "Software Token MFA has not been enabled by the userPool.")
	errTOTPMismatch   = apierr.New(apierr.EnableSoftwareTokenMFA, "Code mismatch and fail enable Software Token MFA")
	errMFACode        = apierr.New(apierr.CodeMismatch, "Invalid code received for user")
	errTOTPReused     = apierr.New(apierr.ExpiredCode, "Your software token has already been used once.")
	errTOTPLocked     = apierr.New(apierr.NotAuthorized, "Too many failed attempts: wait before entering another code.")
)

func newTOTPSecret() string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randomBytes(totpSecretN))
}

// totpStep answers the time step whose code code is, if it is one of
// secret's codes near now (constant-time comparisons).
func totpStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	for d := -totpSkew; d <= totpSkew; d++ {
		at := now.Add(time.Duration(d) * totpPeriod)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return at.Unix() / int64(totpPeriod/time.Second), true
		}
	}
	return 0, false
}

func (p *pool) totpAllowed() bool {
	var on struct{ Enabled bool }
	_ = json.Unmarshal(p.mfaConfig().SoftwareTokenMfaConfiguration, &on)
	return on.Enabled
}

// mfaChallenge answers the challenge a user whose password was right must
// answer next, if any: SOFTWARE_TOKEN_MFA for a user with an authenticator
// app the pool asks for, MFA_SETUP when the pool requires MFA and the user
// has none.
func (s *Service) mfaChallenge(p *pool, c *UserPoolClientType, u storage.User) (map[string]any, bool, error) {
	switch mfaStep(p, &u) {
	case "code":
		params := map[string]string{"USER_ID_FOR_SRP": u.Username}
		if d := extraOf(&u).TOTP.Device; d != "" {
			params["FRIENDLY_DEVICE_NAME"] = d
		}
		out, err := s.challenge(p, c, u, mfaTOTP, params)
		return out, true, err
	case "setup":
		out, err := s.challenge(p, c, u, "MFA_SETUP", map[string]string{"MFAS_CAN_SETUP": `["` + mfaTOTP + `"]`, "USER_ID_FOR_SRP": u.Username})
		return out, true, err
	}
	return nil, false, nil
}

// mfaStep answers what a user whose password was right must do next: ""
// (nothing), "code" (a code of the user's authenticator app, which the
// pool asks for: always when MFA is ON, when the user activated it if
// OPTIONAL) or "setup" (register one: MFA is ON and the user has none).
func mfaStep(p *pool, u *storage.User) string {
	mode := p.mfaConfig().MfaConfiguration
	if mode == "OFF" || !p.totpAllowed() {
		return ""
	}
	t := extraOf(u).TOTP
	switch {
	case t.Secret != "" && (t.Enabled || mode == "ON"):
		return "code"
	case mode == "ON":
		return "setup"
	}
	return ""
}

// answerTOTP checks a SOFTWARE_TOKEN_MFA challenge's code and signs the user in.
func (s *Service) answerTOTP(ctx context.Context, p *pool, c *UserPoolClientType, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openChallenge(p, c, sess, mfaTOTP)
	if err != nil {
		return nil, err
	}
	if r["SOFTWARE_TOKEN_MFA_CODE"] == "" {
		return nil, apierr.Invalid("Missing required parameter SOFTWARE_TOKEN_MFA_CODE")
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	u, err := s.useTOTPCode(ctx, p, st.Sub, r["SOFTWARE_TOKEN_MFA_CODE"], errMFACode, func(t *totpRecord) string { return t.Secret })
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u)
}

// useTOTPCode checks a code against the secret pick chooses and records its
// time step, so that it is not accepted again; then lets change edit the
// record in the same write.
func (s *Service) useTOTPCode(ctx context.Context, p *pool, sub, code string, mismatch error, pick func(*totpRecord) string, change ...func(*totpRecord)) (storage.User, error) {
	var verdict error
	u, err := s.store.UpdateUser(ctx, p.ID, sub, func(u *storage.User) error {
		verdict = nil
		x := extraOf(u)
		now := s.now()
		if x.TOTP.LockedUntil > now.UnixMilli() {
			return errTOTPLocked
		}
		var step int64
		ok := false
		if secret := pick(&x.TOTP); secret != "" {
			step, ok = totpStep(secret, code, now)
		}
		switch {
		case !ok: // counted, so the write goes ahead
			x.TOTP.Failures++
			if x.TOTP.Failures >= maxTOTPFailures {
				x.TOTP.LockedUntil = now.Add(totpLockout(x.TOTP.Failures)).UnixMilli()
			}
			verdict = mismatch
		case step <= x.TOTP.LastStep:
			return errTOTPReused
		default:
			x.TOTP.LastStep, x.TOTP.Failures, x.TOTP.LockedUntil = step, 0, 0
			for _, fn := range change {
				fn(&x.TOTP)
			}
		}
		u.Extra = mustJSON(x)
		return nil
	})
	if isNotFound(err) {
		return storage.User{}, errUserNotFound
	}
	if err == nil {
		err = verdict
	}
	return u, err
}

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

func (s *Service) openChallenge(p *pool, c *UserPoolClientType, sess, name string) (challengeState, error) {
	var st challengeState
	if err := s.sealer.Open("session", sess, s.now(), &st); err != nil || st.Pool != p.ID || st.Client != c.ClientId || st.Name != name {
		return st, errBadSession
	}
	return st, nil
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
	_, err = s.store.UpdateUser(ctx, c.pool.ID, c.user.Sub, func(u *storage.User) error {
		x := extraOf(u)
		x.TOTP.Pending = secret
		u.Extra = mustJSON(x)
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
	u, err := s.store.UpdateUser(ctx, p.ID, st.Sub, func(u *storage.User) error {
		x := extraOf(u)
		x.TOTP = totpRecord{Secret: st.Secret, Device: st.Device, Enabled: true, Preferred: true, LastStep: st.Step}
		u.Extra = mustJSON(x)
		return nil
	})
	if isNotFound(err) {
		return nil, errUserNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u)
}

// mfaSettings is the MFA preference of SetUserMFAPreference and AdminSetUserMFAPreference.
type mfaSettings struct {
	Enabled      *bool
	PreferredMfa *bool
}

// SetUserMFAPreferenceInput is SetUserMFAPreference's (and, with
// UserPoolId and Username, AdminSetUserMFAPreference's) request.
type SetUserMFAPreferenceInput struct {
	AccessToken              string
	UserPoolId               string
	Username                 string
	SoftwareTokenMfaSettings *mfaSettings
	SMSMfaSettings           *mfaSettings
	EmailMfaSettings         *mfaSettings
}

// SetUserMFAPreference activates or deactivates the signed-in user's
// authenticator app and says whether it is preferred.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUserMFAPreference.html
func (s *Service) SetUserMFAPreference(ctx context.Context, in *SetUserMFAPreferenceInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return map[string]any{}, s.setMFAPreference(ctx, c.pool, c.user.Sub, in)
}

// AdminSetUserMFAPreference is SetUserMFAPreference for a user an administrator names.
func (s *Service) AdminSetUserMFAPreference(ctx context.Context, in *SetUserMFAPreferenceInput) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return map[string]any{}, s.setMFAPreference(ctx, p, u.Sub, in)
}

func (s *Service) setMFAPreference(ctx context.Context, p *pool, sub string, in *SetUserMFAPreferenceInput) error {
	for _, other := range []*mfaSettings{in.SMSMfaSettings, in.EmailMfaSettings} {
		if other != nil && (deref(other.Enabled) || deref(other.PreferredMfa)) {
			return apierr.Invalid("cognitod emulates authenticator app (software token) MFA only; SMS and email MFA cannot be activated.")
		}
	}
	t := in.SoftwareTokenMfaSettings
	if t == nil {
		return nil
	}
	_, err := s.store.UpdateUser(ctx, p.ID, sub, func(u *storage.User) error {
		x := extraOf(u)
		if (deref(t.Enabled) || deref(t.PreferredMfa)) && x.TOTP.Secret == "" {
			return apierr.Invalid("User has not verified software token mfa")
		}
		// A member left out is false (SDKs leave false booleans out).
		x.TOTP.Enabled = deref(t.Enabled) || deref(t.PreferredMfa)
		x.TOTP.Preferred = deref(t.PreferredMfa)
		u.Extra = mustJSON(x)
		return nil
	})
	if isNotFound(err) {
		return errUserNotFound
	}
	return err
}

// mfaOf answers AdminGetUser's and GetUser's UserMFASettingList and PreferredMfaSetting.
func mfaOf(u *storage.User) (list []string, preferred string) {
	t := extraOf(u).TOTP
	if t.Enabled {
		list = []string{mfaTOTP}
	}
	if t.Preferred {
		preferred = mfaTOTP
	}
	return list, preferred
}

// HostedMFA answers what the hosted sign-in page must ask a user whose
// password was right (see mfaStep). The hosted pages ask for a code; they
// do not offer "setup": the user does it once through the API (the
// MFA_SETUP challenge).
func (s *Service) HostedMFA(ctx context.Context, a *Authorization, u storage.User) (string, error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return "", err
	}
	return mfaStep(p, &u), nil
}

// HostedTOTP checks a code the hosted sign-in page was given for a user
// whose password was right.
func (s *Service) HostedTOTP(ctx context.Context, a *Authorization, sub, code string) error {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return err
	}
	_, err = s.useTOTPCode(ctx, p, sub, code, errMFACode, func(t *totpRecord) string { return t.Secret })
	return err
}
