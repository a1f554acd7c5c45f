package userpool

import (
	"context"
	"slices"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// Choice-based sign-in (the USER_AUTH flow): the user signs in with one of
// the first factors the pool allows (Policies.SignInPolicy.
// AllowedFirstAuthFactors) and the user has: a password (PASSWORD, or
// PASSWORD_SRP), or a one-time code sent by email (EMAIL_OTP, to a
// verified address) or SMS (SMS_OTP, to a verified number). A client names
// its PREFERRED_CHALLENGE, or is answered SELECT_CHALLENGE with the
// AvailableChallenges. A password is followed by MFA as in any other
// password sign-in; a code is a factor of its own and is not.

// Passwordless factors, as challenge names.
const (
	factorEmailOTP = "EMAIL_OTP"
	factorSMSOTP   = "SMS_OTP"
)

// firstFactors answers the challenges a user can start a USER_AUTH
// sign-in with, in Cognito's order.
func firstFactors(p *pool, u *storage.User) []string {
	allowed := p.firstFactors
	var out []string
	if slices.Contains(allowed, "PASSWORD") && len(u.Password) > 0 && passwordOf(u.Password).SRP != nil {
		out = append(out, "PASSWORD", "PASSWORD_SRP")
	}
	if slices.Contains(allowed, factorEmailOTP) && verified(u, "email") {
		out = append(out, factorEmailOTP)
	}
	if slices.Contains(allowed, factorSMSOTP) && verified(u, "phone_number") {
		out = append(out, factorSMSOTP)
	}
	if slices.Contains(allowed, factorWebAuthn) && len(extraOf(u).Passkeys) > 0 {
		out = append(out, factorWebAuthn)
	}
	return out
}

// verified answers whether a user has attribute name, verified.
func verified(u *storage.User, name string) bool {
	v, _ := attr(u, name)
	ok, _ := attr(u, name+"_verified")
	return v != "" && ok == "true"
}

// startUserAuth begins a USER_AUTH sign-in: the preferred challenge if the
// user has it, else a choice.
func (s *Service) startUserAuth(ctx context.Context, p *pool, c *UserPoolClientType, username string, params map[string]string) (map[string]any, error) {
	u, err := s.findUser(ctx, p, username)
	if err != nil {
		return nil, s.userExistenceError(c, err)
	}
	available := firstFactors(p, &u)
	switch pref := params["PREFERRED_CHALLENGE"]; {
	case pref == "PASSWORD" && params["PASSWORD"] == "" || pref == "PASSWORD_SRP" && params["SRP_A"] == "":
		// Asked for without its secret: a challenge that asks for it.
		if slices.Contains(available, pref) {
			return s.challenge(p, c, u, params["DEVICE_KEY"], pref, map[string]string{})
		}
	case pref != "" && slices.Contains(available, pref):
		return s.startFirstFactor(ctx, p, c, u, pref, params)
	}
	out, err := s.challenge(p, c, u, params["DEVICE_KEY"], "SELECT_CHALLENGE", map[string]string{})
	if err != nil {
		return nil, err
	}
	out["AvailableChallenges"] = available
	return out, nil
}

// startFirstFactor goes on with the first factor chosen: params are the
// InitiateAuth parameters or the SELECT_CHALLENGE answer's.
func (s *Service) startFirstFactor(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, factor string, params map[string]string) (map[string]any, error) {
	device := params["DEVICE_KEY"]
	switch factor {
	case "PASSWORD":
		if params["PASSWORD"] == "" {
			return nil, apierr.Invalid("Missing required parameter PASSWORD")
		}
		if err := s.preAuthentication(ctx, p, c, &u, nil); err != nil {
			return nil, err
		}
		if !checkPassword(u.Password, params["PASSWORD"]) {
			return nil, s.signInFailed(ctx, p, c.ClientId, u.Sub, errBadCredentials, "Password")
		}
		return s.afterPassword(ctx, p, c, u, device)
	case "PASSWORD_SRP":
		return s.startSRP(ctx, p, c, u.Username, params["SRP_A"], device)
	}
	if err := passwordlessAllowed(&u); err != nil {
		return nil, err
	}
	if factor == factorWebAuthn {
		return s.startPasskeySignIn(ctx, p, c, u, device)
	}
	via := mfaEmail
	if factor == factorSMSOTP {
		via = mfaSMS
	}
	sent, err := s.sendMFACode(ctx, p, c.ClientId, u, via)
	if err != nil {
		return nil, err
	}
	return s.challenge(p, c, u, device, factor, map[string]string{
		"CODE_DELIVERY_DELIVERY_MEDIUM": sent.DeliveryMedium, "CODE_DELIVERY_DESTINATION": sent.Destination})
}

// answerFirstFactor answers SELECT_CHALLENGE with the factor chosen
// (ANSWER), or a PASSWORD or PASSWORD_SRP challenge with its secret.
func (s *Service) answerFirstFactor(ctx context.Context, p *pool, c *UserPoolClientType, name, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openChallenge(p, c, sess, name)
	if err != nil {
		return nil, err
	}
	factor := name
	if name == "SELECT_CHALLENGE" {
		factor = r["ANSWER"]
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: st.Sub})
	if err != nil {
		return nil, errBadSession
	}
	if !slices.Contains(firstFactors(p, &u), factor) {
		return nil, apierr.Invalid("The challenge %q is not one of the user's AvailableChallenges.", factor)
	}
	params := map[string]string{"DEVICE_KEY": st.DeviceKey}
	for k, v := range r {
		params[k] = v
	}
	return s.startFirstFactor(ctx, p, c, u, factor, params)
}
