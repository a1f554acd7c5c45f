package userpool

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// Multi-factor sign-in. A user's second factors are an authenticator app
// (TOTP, "software token"), registered with AssociateSoftwareToken and
// VerifySoftwareToken (with an access token, or a sign-in's session when
// the pool requires MFA and the user has none: the MFA_SETUP challenge),
// and codes sent by SMS or email (to the outbox, as every message). A user
// activates them with (Admin)SetUserMFAPreference; a pool whose
// MfaConfiguration is ON asks every user for one, OPTIONAL only users who
// activated one. The factors a pool offers are those SetUserPoolMfaConfig
// (or the pool's SMS configuration) enables.

const (
	mfaSMS      = "SMS_MFA"
	mfaTOTP     = "SOFTWARE_TOKEN_MFA"
	mfaEmail    = "EMAIL_OTP"
	totpPeriod  = 30 * time.Second
	totpSkew    = 1 // periods either side of now that a code may come from
	totpSecretN = 20
	// mfaCodeValidity is how long a code sent by SMS or email is good.
	mfaCodeValidity = 3 * time.Minute
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
	Enabled bool `json:"enabled,omitempty"`
	// LastStep is the time step of the last code accepted: a code is good once.
	LastStep int64 `json:"lastStep,omitempty"`
}

// mfaRecord is the rest of a user's second-factor state.
type mfaRecord struct {
	SMS       bool   `json:"sms,omitempty"`
	Email     bool   `json:"email,omitempty"`
	Preferred string `json:"preferred,omitempty"`
	// Failures counts wrong codes (of any factor) since the last right one;
	// from the fifth, codes are refused until LockedUntil (ms), a wait that
	// doubles with each further failure, as Cognito does for passwords:
	// six digits do not survive unbounded guessing.
	Failures    int   `json:"failures,omitempty"`
	LockedUntil int64 `json:"lockedUntil,omitempty"`
}

const (
	maxMFAFailures = 5
	maxMFALockout  = 15 * time.Minute
)

func mfaLockout(failures int) time.Duration {
	n := failures - maxMFAFailures
	if n > 10 {
		return maxMFALockout
	}
	return min(time.Second<<n, maxMFALockout)
}

var (
	errTOTPNotEnabled = apierr.New(apierr.SoftwareTokenMFANotFound, "Software Token MFA has not been enabled by the userPool.")
	errTOTPMismatch   = apierr.New(apierr.EnableSoftwareTokenMFA, "Code mismatch and fail enable Software Token MFA")
	errMFACode        = apierr.New(apierr.CodeMismatch, "Invalid code received for user")
	errMFACodeExpired = apierr.New(apierr.ExpiredCode, "Invalid code or auth state for the user.")
	errTOTPReused     = apierr.New(apierr.ExpiredCode, "Your software token has already been used once.")
	errMFALocked      = apierr.New(apierr.NotAuthorized, "Too many failed attempts: wait before entering another code.")
	errNoMFAMethod    = apierr.New(apierr.MFAMethodNotFound, "No MFA mechanism registered in the account.")
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

// mfaFactors answers the pool's MfaConfiguration and which second factors
// it offers.
func (p *pool) mfaFactors() (mode string, totpOK, smsOK, emailOK bool) {
	c := p.mfaConfig()
	var on struct{ Enabled bool }
	_ = json.Unmarshal(c.SoftwareTokenMfaConfiguration, &on)
	return c.MfaConfiguration, on.Enabled, c.SmsMfaConfiguration != nil, c.EmailMfaConfiguration != nil
}

func (p *pool) totpAllowed() bool {
	_, ok, _, _ := p.mfaFactors()
	return ok
}

// mfaStep answers what a user whose password was right must do next: ""
// (nothing more), a factor's challenge (SMS_MFA, SOFTWARE_TOKEN_MFA,
// EMAIL_OTP), "select" among choices (several active, none preferred) or
// "setup" (register an authenticator app: MFA is ON and the user has no
// factor the pool offers). A pool with MFA ON asks a user who activated
// none for a code by SMS or email if it can, and counts a verified
// authenticator app as active.
func mfaStep(p *pool, u *storage.User) (step string, choices []string, err error) {
	mode, totpOK, smsOK, emailOK := p.mfaFactors()
	if mode == "OFF" {
		return "", nil, nil
	}
	x := extraOf(u)
	phone, _ := attr(u, "phone_number")
	email, _ := attr(u, "email")
	var active []string
	if smsOK && phone != "" && x.MFA.SMS {
		active = append(active, mfaSMS)
	}
	if totpOK && x.TOTP.Secret != "" && (x.TOTP.Enabled || mode == "ON") {
		active = append(active, mfaTOTP)
	}
	if emailOK && email != "" && x.MFA.Email {
		active = append(active, mfaEmail)
	}
	switch {
	case len(active) == 0 && mode != "ON":
		return "", nil, nil
	case len(active) == 0 && smsOK && phone != "":
		return mfaSMS, nil, nil
	case len(active) == 0 && emailOK && email != "":
		return mfaEmail, nil, nil
	case len(active) == 0 && totpOK:
		return "setup", nil, nil
	case len(active) == 0:
		return "", nil, errNoMFAMethod
	case slices.Contains(active, x.MFA.Preferred):
		return x.MFA.Preferred, nil, nil
	case len(active) == 1:
		return active[0], nil, nil
	}
	return "select", active, nil
}

// mfaChallenge answers the challenge a user whose password was right must
// answer next, if any.
func (s *Service) mfaChallenge(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, device string) (map[string]any, bool, error) {
	step, choices, err := mfaStep(p, &u)
	if err != nil || step == "" {
		return nil, false, err
	}
	out, err := s.factorChallenge(ctx, p, c, u, device, step, choices)
	return out, true, err
}

// factorChallenge issues the challenge of one step of mfaStep.
func (s *Service) factorChallenge(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, device, step string, choices []string) (map[string]any, error) {
	params := map[string]string{"USER_ID_FOR_SRP": u.Username}
	switch step {
	case "select":
		params["MFAS_CAN_CHOOSE"] = string(mustJSON(choices))
		return s.challenge(p, c, u, device, "SELECT_MFA_TYPE", params)
	case "setup":
		params["MFAS_CAN_SETUP"] = `["` + mfaTOTP + `"]`
		return s.challenge(p, c, u, device, "MFA_SETUP", params)
	case mfaTOTP:
		if d := extraOf(&u).TOTP.Device; d != "" {
			params["FRIENDLY_DEVICE_NAME"] = d
		}
		return s.challenge(p, c, u, device, mfaTOTP, params)
	}
	sent, err := s.sendMFACode(ctx, p, c.ClientId, u, step)
	if err != nil {
		return nil, err
	}
	params["CODE_DELIVERY_DELIVERY_MEDIUM"], params["CODE_DELIVERY_DESTINATION"] = sent.DeliveryMedium, sent.Destination
	return s.challenge(p, c, u, device, step, params)
}

// sendMFACode sends a fresh sign-in code by SMS (SMS_MFA) or email (EMAIL_OTP).
func (s *Service) sendMFACode(ctx context.Context, p *pool, clientID string, u storage.User, factor string) (*CodeDeliveryDetailsType, error) {
	var code string
	u, err := s.store.UpdateUser(ctx, p.ID, u.Sub, func(u *storage.User) error {
		code = newCode(u, codeMFA, "", mfaCodeValidity, s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	d := delivery{reason: "Authentication", code: code, medium: "SMS", attr: "phone_number", clientID: clientID}
	if factor == mfaEmail {
		d.medium, d.attr = "EMAIL", "email"
	}
	d.dest, _ = attr(&u, d.attr)
	sent, err := s.send(ctx, p, &u, d)
	if err == nil && sent == nil {
		err = errNoMFAMethod
	}
	return sent, err
}

// answerFactor checks the code a factor's challenge was answered with and
// signs the user in.
func (s *Service) answerFactor(ctx context.Context, p *pool, c *UserPoolClientType, factor, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openChallenge(p, c, sess, factor)
	if err != nil {
		return nil, err
	}
	key := map[string]string{mfaSMS: "SMS_MFA_CODE", mfaTOTP: "SOFTWARE_TOKEN_MFA_CODE", mfaEmail: "EMAIL_OTP_CODE", factorSMSOTP: "SMS_OTP_CODE"}[factor]
	if r[key] == "" {
		return nil, apierr.Invalid("Missing required parameter %s", key)
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	u, err := s.useFactorCode(ctx, p, st.Sub, factor, r[key])
	if errors.Is(err, errMFACode) {
		return nil, s.signInFailed(ctx, p, c.ClientId, st.Sub, err, "Mfa")
	}
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u, st.DeviceKey)
}

// selectFactor answers SELECT_MFA_TYPE: the chosen factor's challenge.
func (s *Service) selectFactor(ctx context.Context, p *pool, c *UserPoolClientType, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openChallenge(p, c, sess, "SELECT_MFA_TYPE")
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: st.Sub})
	if err != nil {
		return nil, errBadSession
	}
	_, choices, err := mfaStep(p, &u)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(choices, r["ANSWER"]) {
		return nil, apierr.Invalid("The MFA type %q is not one of the user's choices (MFAS_CAN_CHOOSE).", r["ANSWER"])
	}
	return s.factorChallenge(ctx, p, c, u, st.DeviceKey, r["ANSWER"], nil)
}

// useFactorCode checks a code of a factor: one of the authenticator app's
// (good once) or the one last sent by SMS or email (consumed).
func (s *Service) useFactorCode(ctx context.Context, p *pool, sub, factor, code string) (storage.User, error) {
	if factor == mfaTOTP {
		return s.useTOTPCode(ctx, p, sub, code, errMFACode, func(t *totpRecord) string { return t.Secret })
	}
	return s.checkMFACode(ctx, p, sub, errMFACode, func(u *storage.User, x *userExtra) (bool, error) {
		switch check, _ := useCode(u, codeMFA, code, s.now()); check {
		case codeOK:
			*x = extraOf(u) // useCode consumed the code
			return true, nil
		case codeExpired:
			return false, errMFACodeExpired
		}
		return false, nil
	})
}

// useTOTPCode checks a code against the secret pick chooses and records its
// time step, so that it is not accepted again; then lets change edit the
// record in the same write.
func (s *Service) useTOTPCode(ctx context.Context, p *pool, sub, code string, mismatch error, pick func(*totpRecord) string, change ...func(*totpRecord)) (storage.User, error) {
	return s.checkMFACode(ctx, p, sub, mismatch, func(_ *storage.User, x *userExtra) (bool, error) {
		secret, err := s.fields.Open(totpContext(p.ID, sub), pick(&x.TOTP))
		if err != nil {
			return false, fmt.Errorf("authenticator secret of %s: %w", sub, err)
		}
		if secret == "" {
			return false, nil
		}
		step, ok := totpStep(secret, code, s.now())
		switch {
		case !ok:
			return false, nil
		case step <= x.TOTP.LastStep:
			return false, errTOTPReused
		}
		x.TOTP.LastStep = step
		for _, fn := range change {
			fn(&x.TOTP)
		}
		// A secret written before secrets were sealed, or under a key the
		// data key replaced, is sealed now.
		return true, s.resealTOTP(p.ID, sub, &x.TOTP)
	})
}

// totpContext binds a sealed authenticator secret to its user.
func totpContext(poolID, sub string) string { return "totp/" + poolID + "/" + sub }

// sealTOTP seals a user's authenticator secret for keeping.
func (s *Service) sealTOTP(poolID, sub, secret string) string {
	return s.fields.Seal(totpContext(poolID, sub), secret)
}

// checkMFACode runs check on a user's second-factor state in one write:
// refused while the user is locked out, a wrong code (check answers false)
// counted, a right one clearing the count.
func (s *Service) checkMFACode(ctx context.Context, p *pool, sub string, mismatch error, check func(*storage.User, *userExtra) (bool, error)) (storage.User, error) {
	var verdict error
	u, err := s.store.UpdateUser(ctx, p.ID, sub, func(u *storage.User) error {
		verdict = nil
		x := extraOf(u)
		now := s.now()
		if x.MFA.LockedUntil > now.UnixMilli() {
			return errMFALocked
		}
		ok, err := check(u, &x)
		if err != nil {
			return err
		}
		if ok {
			x.MFA.Failures, x.MFA.LockedUntil = 0, 0
		} else { // counted, so the write goes ahead
			x.MFA.Failures++
			if x.MFA.Failures >= maxMFAFailures {
				x.MFA.LockedUntil = now.Add(mfaLockout(x.MFA.Failures)).UnixMilli()
			}
			verdict = mismatch
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

// HostedMFA answers which second factor the hosted sign-in page must ask a
// user whose password was right for ("" for none; the first of several
// the user could choose from), having sent its code when it goes by SMS or
// email (sent says where). The hosted pages do not offer "setup": the user
// registers an authenticator app once through the API (MFA_SETUP).
func (s *Service) HostedMFA(ctx context.Context, a *Authorization, u storage.User) (factor string, sent *CodeDeliveryDetailsType, err error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return "", nil, err
	}
	factor, choices, err := mfaStep(p, &u)
	if err != nil {
		return "", nil, err
	}
	if factor == "select" {
		factor = choices[0]
	}
	if factor == mfaSMS || factor == mfaEmail {
		sent, err = s.sendMFACode(ctx, p, a.ClientID, u, factor)
	}
	return factor, sent, err
}

// HostedMFACode checks a code the hosted sign-in page was given for a user
// whose password was right.
func (s *Service) HostedMFACode(ctx context.Context, a *Authorization, sub, factor, code string) error {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return err
	}
	_, err = s.useFactorCode(ctx, p, sub, factor, code)
	return err
}

// ResealSecrets seals every secret kept at rest that is not under the
// data key (one sealed under a key it replaces, or kept in the clear)
// again under it, walking every pool's users; it answers how many users
// it changed. A rotation of the data key runs it before serving.
func (s *Service) ResealSecrets(ctx context.Context) (int, error) {
	n := 0
	var afterPool int64
	for {
		pools, err := s.store.ListPools(ctx, "", storage.Page{Limit: 100, After: afterPool})
		if err != nil {
			return n, err
		}
		for _, p := range pools {
			var afterUser int64
			for {
				users, err := s.store.ListUsers(ctx, p.ID, nil, storage.Page{Limit: 1000, After: afterUser})
				if err != nil {
					return n, err
				}
				for _, listed := range users {
					// A listing leaves the extra record out: read each user whole.
					u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: listed.Sub})
					if isNotFound(err) {
						continue
					}
					if err != nil {
						return n, err
					}
					x := extraOf(&u)
					ctxName := totpContext(p.ID, u.Sub)
					if !s.fields.Stale(ctxName, x.TOTP.Secret) && !s.fields.Stale(ctxName, x.TOTP.Pending) {
						continue
					}
					if _, err := s.editExtra(ctx, p.ID, u.Sub, func(_ *storage.User, x *userExtra) error {
						return s.resealTOTP(p.ID, u.Sub, &x.TOTP)
					}); err != nil && !isNotFound(err) {
						return n, err
					}
					n++
				}
				if len(users) < 1000 {
					break
				}
				afterUser = users[len(users)-1].Seq
			}
		}
		if len(pools) < 100 {
			return n, nil
		}
		afterPool = pools[len(pools)-1].Seq
	}
}

// resealTOTP seals a user's authenticator secrets again under the data key
// where they are not already.
func (s *Service) resealTOTP(poolID, sub string, t *totpRecord) error {
	for _, f := range []*string{&t.Secret, &t.Pending} {
		if !s.fields.Stale(totpContext(poolID, sub), *f) {
			continue
		}
		plain, err := s.fields.Open(totpContext(poolID, sub), *f)
		if err != nil {
			return err
		}
		*f = s.sealTOTP(poolID, sub, plain)
	}
	return nil
}
