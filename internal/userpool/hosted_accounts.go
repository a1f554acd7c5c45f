package userpool

import (
	"context"
	"net/url"
	"slices"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/storage"
)

// The hosted pages' account steps: sign-up and its confirmation code,
// forgotten passwords, and the new password a user with a temporary one
// must choose. They run the API's own rules (SignUp, ConfirmSignUp,
// ForgotPassword, ...) as the client the sign-in is for; being the pool's
// own pages, they send the client's SECRET_HASH themselves.

var errSignUpNotAllowed = apierr.New(apierr.NotAuthorized, "SignUp is not permitted for this user pool")

// hostedSecretHash is the SECRET_HASH of username for the sign-in's client
// ("" for a client without a secret).
func (s *Service) hostedSecretHash(ctx context.Context, a *Authorization, username string) string {
	_, c, err := s.clientFor(ctx, a.ClientID, a.PoolID)
	if err != nil || c.ClientSecret == "" {
		return ""
	}
	return auth.SecretHash(c.ClientSecret, username, c.ClientId)
}

// SignUpForm is what the hosted sign-up page asks for.
type SignUpForm struct {
	// Allowed is false when only administrators create users.
	Allowed bool
	// UsernameAttribute is "email" or "phone_number" when the pool signs
	// users in with it, else "" (a username).
	UsernameAttribute string
	// Attributes are the other attributes to ask for: the schema's
	// required ones and the auto-verified ones.
	Attributes []string
}

// HostedSignUpForm answers the hosted sign-up page's fields.
func (s *Service) HostedSignUpForm(ctx context.Context, a *Authorization) (SignUpForm, error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return SignUpForm{}, err
	}
	f := SignUpForm{Allowed: !p.adminOnly}
	if len(p.UsernameAttributes) > 0 {
		f.UsernameAttribute = p.UsernameAttributes[0]
	}
	for _, sa := range p.Schema {
		if sa.Required && sa.Name != f.UsernameAttribute {
			f.Attributes = append(f.Attributes, sa.Name)
		}
	}
	for _, name := range p.AutoVerified {
		if name != f.UsernameAttribute && !slices.Contains(f.Attributes, name) {
			f.Attributes = append(f.Attributes, name)
		}
	}
	return f, nil
}

// HostedSignUp signs a user up from the hosted page; it answers whether
// the user is confirmed already (a PreSignUp trigger may say so) and, if
// not, where the code went.
func (s *Service) HostedSignUp(ctx context.Context, a *Authorization, username, password string, attrs map[string]string) (confirmed bool, sent *CodeDeliveryDetailsType, err error) {
	in := &SignUpInput{ClientId: a.ClientID, SecretHash: s.hostedSecretHash(ctx, a, username), Username: username, Password: password}
	for k, v := range attrs {
		if v != "" {
			in.UserAttributes = append(in.UserAttributes, AttributeType{Name: k, Value: ptr(v)})
		}
	}
	out, err := s.SignUp(ctx, in)
	if err != nil {
		return false, nil, err
	}
	sent, _ = out["CodeDeliveryDetails"].(*CodeDeliveryDetailsType)
	return out["UserConfirmed"] == true, sent, nil
}

// HostedConfirmSignUp confirms a sign-up with its code and answers the user.
func (s *Service) HostedConfirmSignUp(ctx context.Context, a *Authorization, username, code string) (storage.User, error) {
	in := &ConfirmSignUpInput{ClientId: a.ClientID, SecretHash: s.hostedSecretHash(ctx, a, username), Username: username, ConfirmationCode: code}
	if _, err := s.ConfirmSignUp(ctx, in); err != nil {
		return storage.User{}, err
	}
	_, u, err := s.poolUser(ctx, a.PoolID, username)
	return u, err
}

// HostedUser reads a user of the sign-in's pool by username or alias.
func (s *Service) HostedUser(ctx context.Context, a *Authorization, username string) (storage.User, error) {
	_, u, err := s.poolUser(ctx, a.PoolID, username)
	return u, err
}

// HostedResendCode sends an unconfirmed user a new sign-up code.
func (s *Service) HostedResendCode(ctx context.Context, a *Authorization, username string) (*CodeDeliveryDetailsType, error) {
	return codeDelivery(s.ResendConfirmationCode(ctx, &ClientUserInput{ClientId: a.ClientID, SecretHash: s.hostedSecretHash(ctx, a, username), Username: username}))
}

// codeDelivery is where an operation's answer says its code went.
func codeDelivery(out map[string]any, err error) (*CodeDeliveryDetailsType, error) {
	if err != nil {
		return nil, err
	}
	sent, _ := out["CodeDeliveryDetails"].(*CodeDeliveryDetailsType)
	return sent, nil
}

// HostedForgotPassword sends a user a password reset code.
func (s *Service) HostedForgotPassword(ctx context.Context, a *Authorization, username string) (*CodeDeliveryDetailsType, error) {
	return codeDelivery(s.ForgotPassword(ctx, &ClientUserInput{ClientId: a.ClientID, SecretHash: s.hostedSecretHash(ctx, a, username), Username: username}))
}

// HostedConfirmForgotPassword sets a new password with a reset code.
func (s *Service) HostedConfirmForgotPassword(ctx context.Context, a *Authorization, username, code, password string) error {
	_, err := s.ConfirmForgotPassword(ctx, &ConfirmForgotPasswordInput{ClientId: a.ClientID, SecretHash: s.hostedSecretHash(ctx, a, username),
		Username: username, ConfirmationCode: code, Password: password})
	return err
}

// HostedNewPassword sets the password a user with a temporary one chose
// (the NEW_PASSWORD_REQUIRED step) and answers the confirmed user.
func (s *Service) HostedNewPassword(ctx context.Context, a *Authorization, sub, password string) (storage.User, error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return storage.User{}, err
	}
	if err := checkPolicy(p.Policy, password); err != nil {
		return storage.User{}, err
	}
	return s.changeUser(ctx, p, sub, func(u *storage.User) error {
		if u.Status != StatusForceChangePassword {
			return errBadSession
		}
		u.Password = hashPassword(p.ID, u.Username, password, chosenPasswordRounds, s.clock())
		u.Status = StatusConfirmed
		return nil
	})
}

// HostedTOTPSetup starts registering an authenticator app from the hosted
// sign-in page (MFA is ON and the user has no factor): a fresh secret and
// its otpauth:// URI (for the page's QR code), named after the pool. The
// secret is kept nowhere until a code of it comes back.
func (s *Service) HostedTOTPSetup(ctx context.Context, a *Authorization, u storage.User) (secret, uri string, err error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return "", "", err
	}
	secret = newTOTPSecret()
	q := url.Values{"secret": {secret}, "issuer": {p.Name}, "period": {"30"}, "digits": {"6"}, "algorithm": {"SHA1"}}
	return secret, "otpauth://totp/" + url.PathEscape(p.Name+":"+u.Username) + "?" + q.Encode(), nil
}

// HostedTOTPActivate checks a code of the secret HostedTOTPSetup made and
// makes it the user's active, preferred authenticator app.
func (s *Service) HostedTOTPActivate(ctx context.Context, a *Authorization, sub, secret, code string) error {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return err
	}
	sealed := s.sealTOTP(p.ID, sub, secret)
	_, err = s.useTOTPCode(ctx, p, sub, code, errTOTPMismatch, func(*totpRecord) string { return sealed }, func(t *totpRecord) {
		t.Secret, t.Pending, t.Enabled = sealed, "", true
	})
	if err != nil {
		return err
	}
	_, err = s.editExtra(ctx, p.ID, sub, func(_ *storage.User, x *userExtra) error {
		x.MFA.Preferred = mfaTOTP
		return nil
	})
	return err
}

// HostedFirstFactors says which passwordless first factors the hosted
// sign-in page offers: passkeys (WEB_AUTHN), and codes by email (EMAIL_OTP)
// and text message (SMS_OTP), as the pool's sign-in policy allows.
func (s *Service) HostedFirstFactors(ctx context.Context, a *Authorization) (passkeys, emailCodes, smsCodes bool) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return false, false, false
	}
	return slices.Contains(p.firstFactors, factorWebAuthn), slices.Contains(p.firstFactors, factorEmailOTP), slices.Contains(p.firstFactors, factorSMSOTP)
}

// errNoCode answers alike for a user without a verified address (or
// phone number) and one who does not exist.
var errNoCode = apierr.New(apierr.NotAuthorized, "No sign-in code can be sent for this username.")

// HostedSignInCode begins a sign-in by code on the hosted page (factor
// EMAIL_OTP or SMS_OTP): a code is sent to the verified email address or
// phone number of the user named username. The code page's answer is
// checked as that factor (HostedMFACode), and no MFA follows it. It
// answers the factor the code page checks.
func (s *Service) HostedSignInCode(ctx context.Context, a *Authorization, username, factor string) (storage.User, string, *CodeDeliveryDetailsType, error) {
	via := map[string]string{factorEmailOTP: mfaEmail, factorSMSOTP: mfaSMS}[factor]
	if via == "" {
		return storage.User{}, "", nil, apierr.Invalid("%s is not a sign-in factor of this user pool.", factor)
	}
	p, u, err := s.hostedFirstFactorUser(ctx, a, username, factor, apierr.Invalid("%s is not a sign-in factor of this user pool.", factor), errNoCode)
	if err != nil {
		return storage.User{}, "", nil, err
	}
	sent, err := s.sendMFACode(ctx, p, a.ClientID, u, via)
	return u, via, sent, err
}

// hostedFirstFactorUser finds the user named username for a passwordless
// first factor on the hosted page: off when the pool does not allow the
// factor, missing (alike for a user who does not exist) when the user
// cannot use it.
func (s *Service) hostedFirstFactorUser(ctx context.Context, a *Authorization, username, factor string, off, missing error) (*pool, storage.User, error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return nil, storage.User{}, err
	}
	if !slices.Contains(p.firstFactors, factor) {
		return nil, storage.User{}, off
	}
	u, err := s.findUser(ctx, p, username)
	if rerr := s.refuseBlocked(ctx, p, a.ClientID, func() storage.User { return u }); rerr != nil {
		return nil, storage.User{}, rerr
	}
	if err != nil || !slices.Contains(firstFactors(p, &u), factor) {
		return nil, storage.User{}, missing
	}
	if err := passwordlessAllowed(&u); err != nil {
		return nil, storage.User{}, err
	}
	return p, u, nil
}

// errNoPasskey answers alike for a user without a passkey and one who does
// not exist.
var errNoPasskey = apierr.New(apierr.NotAuthorized, "No passkey is registered for this username.")

// HostedPasskeyOptions begins a passkey sign-in on the hosted page for the
// user named username: the user, and the request options for the
// browser's navigator.credentials.get.
func (s *Service) HostedPasskeyOptions(ctx context.Context, a *Authorization, username string) (storage.User, string, error) {
	p, u, err := s.hostedFirstFactorUser(ctx, a, username, factorWebAuthn, apierr.Invalid("Passkeys are not a sign-in factor of this user pool."), errNoPasskey)
	if err != nil {
		return storage.User{}, "", err
	}
	options, err := s.passkeyAssertion(ctx, p, u)
	return u, string(options), err
}

// HostedPasskeySignIn checks the hosted page's passkey answer for the user
// sub; a passkey is a factor of its own, so no MFA follows.
func (s *Service) HostedPasskeySignIn(ctx context.Context, a *Authorization, sub, credential string) (storage.User, error) {
	p, err := s.getPool(ctx, a.PoolID)
	if err != nil {
		return storage.User{}, err
	}
	return s.verifyPasskey(ctx, p, sub, credential)
}
