package userpool

import (
	"context"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

const codeValidity = 24 * time.Hour

// SignUpInput is the SignUp request.
type SignUpInput struct {
	ClientId       string
	SecretHash     string
	Username       string
	Password       string
	UserAttributes []AttributeType
	ValidationData []AttributeType
	ClientMetadata map[string]string
}

// autoVerified is the pool's AutoVerifiedAttributes.
func (p *pool) autoVerified() []string { return p.AutoVerified }

// confirmationTarget picks where a sign-up code goes: an auto-verified
// email, else an auto-verified phone number.
func (p *pool) confirmationTarget(u *storage.User) (medium, attrName, dest string) {
	auto := p.autoVerified()
	if v, ok := attr(u, "email"); ok && v != "" && contains(auto, "email") {
		return "EMAIL", "email", v
	}
	if v, ok := attr(u, "phone_number"); ok && v != "" && contains(auto, "phone_number") {
		return "SMS", "phone_number", v
	}
	return "", "", ""
}

// SignUp registers a user (UNCONFIRMED) and sends a confirmation code.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
func (s *Service) SignUp(ctx context.Context, in *SignUpInput) (map[string]any, error) {
	p, c, err := s.clientFor(ctx, in.ClientId, "")
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, in.SecretHash, in.Username); err != nil {
		return nil, err
	}
	if p.adminOnly {
		return nil, errSignUpNotAllowed
	}
	if err := checkPolicy(p.Policy, in.Password); err != nil {
		return nil, err
	}
	if err := p.checkWrite(in.UserAttributes, true); err != nil {
		return nil, err
	}
	now := s.clock()
	u, err := p.newUser(in.Username, in.UserAttributes, StatusUnconfirmed, now)
	if err != nil {
		return nil, err
	}
	if arn := s.lambdaARN(p, "PreSignUp"); arn != "" {
		req, resp := preSignUp(in.UserAttributes, in.ValidationData, in.ClientMetadata)
		out, err := s.triggers.Invoke(ctx, "PreSignUp", arn, s.triggerEvent(p, "PreSignUp_SignUp", u.Username, c.ClientId, req, resp))
		if err != nil {
			return nil, err
		}
		r, _ := out["response"].(map[string]any)
		if v, _ := r["autoConfirmUser"].(bool); v {
			u.Status = StatusConfirmed
		}
		for flag, name := range map[string]string{"autoVerifyEmail": "email", "autoVerifyPhone": "phone_number"} {
			if v, _ := r[flag].(bool); v {
				if _, ok := attr(&u, name); !ok {
					return nil, apierr.New(apierr.InvalidLambdaResponse, "Invalid lambda response: %s cannot be verified, the user has no %s.", name, name)
				}
				setAttr(&u, name+"_verified", "true")
			}
		}
	}
	u.Password = hashPassword(p.ID, u.Username, in.Password, chosenPasswordRounds, now)
	medium, attrName, dest := p.confirmationTarget(&u)
	if u.Status == StatusConfirmed {
		dest = ""
	}
	var code string
	if dest != "" {
		code = newCode(&u, codeSignUp, attrName, codeValidity, now)
	}
	var tmpl *messageTemplate
	if dest != "" {
		// Asked before the user is stored: a failing trigger stores nothing.
		if tmpl, err = s.customMessage(ctx, p, &u, c.ClientId, "SignUp"); err != nil {
			return nil, err
		}
	}
	p.index(&u)
	created, err := s.store.CreateUser(ctx, u)
	if field, dup := uniqueField(err); dup {
		if ae := aliasError(field); ae != nil && len(p.UsernameAttributes) > 0 {
			return nil, apierr.New(apierr.UsernameExists, "An account with the given %s already exists.", map[string]string{"alias_email": "email", "alias_phone": "phone_number"}[field])
		} else if ae != nil {
			return nil, ae
		}
		return nil, apierr.New(apierr.UsernameExists, "User already exists")
	}
	if err != nil {
		return nil, err
	}
	out := map[string]any{"UserConfirmed": created.Status == StatusConfirmed, "UserSub": created.Sub}
	d, err := s.send(ctx, p, &created, delivery{reason: "SignUp", code: code, medium: medium, attr: attrName, dest: dest, clientID: c.ClientId, tmpl: tmpl})
	if err != nil {
		return nil, err
	}
	if d != nil {
		out["CodeDeliveryDetails"] = d
	}
	return out, s.recordAuthEvent(ctx, p, c.ClientId, created.Sub, "SignUp", "Pass")
}

// ConfirmSignUpInput is the ConfirmSignUp request.
type ConfirmSignUpInput struct {
	ClientId           string
	SecretHash         string
	Username           string
	ConfirmationCode   string
	ForceAliasCreation bool
	ClientMetadata     map[string]string
}

// ConfirmSignUp confirms a user with the code it was sent.
func (s *Service) ConfirmSignUp(ctx context.Context, in *ConfirmSignUpInput) (map[string]any, error) {
	p, c, u, err := s.clientUser(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	return nil, s.confirmSignUp(ctx, p, c, u, in.ConfirmationCode)
}

// ConfirmSignUpByLink confirms a user from the link a sign-up email carries
// when the pool verifies email by link (CONFIRM_WITH_LINK): the link names
// the client, the user and the code, and no SECRET_HASH.
func (s *Service) ConfirmSignUpByLink(ctx context.Context, clientID, username, code string) error {
	p, c, err := s.clientFor(ctx, clientID, "")
	if err != nil {
		return err
	}
	u, err := s.findUser(ctx, p, username)
	if err != nil {
		return err
	}
	return s.confirmSignUp(ctx, p, c, u, code)
}

// confirmSignUp confirms u with the code it was sent, then runs the
// PostConfirmation trigger.
func (s *Service) confirmSignUp(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, code string) error {
	_, err := s.updateConfirmed(ctx, p, u.Sub, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return apierr.New(apierr.NotAuthorized, "User cannot be confirmed. Current status is %s", u.Status)
		}
		res, attrName := useCode(u, codeSignUp, code, s.now())
		switch res {
		case codeMismatch:
			return errCodeMismatch
		case codeExpired:
			return errCodeExpired
		}
		if attrName != "" {
			setAttr(u, attrName+"_verified", "true")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.postConfirmation(ctx, p, c.ClientId, u.Sub, "PostConfirmation_ConfirmSignUp")
}

// postConfirmation runs the PostConfirmation trigger for a confirmed user.
func (s *Service) postConfirmation(ctx context.Context, p *pool, clientID, sub, source string) error {
	arn := s.lambdaARN(p, "PostConfirmation")
	if arn == "" {
		return nil
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: sub})
	if err != nil {
		return err
	}
	req := map[string]any{"userAttributes": userAttributesForTrigger(&u), "clientMetadata": map[string]string{}}
	_, err = s.triggers.Invoke(ctx, "PostConfirmation", arn, s.triggerEvent(p, source, u.Username, clientID, req, map[string]any{}))
	return err
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// updateConfirmed changes a user and marks it CONFIRMED in one transaction.
func (s *Service) updateConfirmed(ctx context.Context, p *pool, sub string, fn func(*storage.User) error) (storage.User, error) {
	return s.changeUser(ctx, p, sub, func(u *storage.User) error {
		if err := fn(u); err != nil {
			return err
		}
		u.Status = StatusConfirmed
		return nil
	})
}

// AdminConfirmSignUp confirms a user without a code.
func (s *Service) AdminConfirmSignUp(ctx context.Context, in *UserRef) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	_, err = s.updateConfirmed(ctx, p, u.Sub, func(u *storage.User) error {
		if u.Status != StatusUnconfirmed {
			return apierr.New(apierr.NotAuthorized, "User cannot be confirmed. Current status is %s", u.Status)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, s.postConfirmation(ctx, p, "", u.Sub, "PostConfirmation_ConfirmSignUp")
}

// ClientUserInput names a user from a client (ResendConfirmationCode, ForgotPassword).
type ClientUserInput struct {
	ClientId       string
	SecretHash     string
	Username       string
	ClientMetadata map[string]string
}

// ResendConfirmationCode sends a new sign-up code.
func (s *Service) ResendConfirmationCode(ctx context.Context, in *ClientUserInput) (map[string]any, error) {
	p, _, u, err := s.clientUser(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	if u.Status != StatusUnconfirmed {
		return nil, apierr.Invalid("User is already confirmed.")
	}
	medium, attrName, dest := p.confirmationTarget(&u)
	if dest == "" {
		return nil, apierr.Invalid("Auto verification not turned on.")
	}
	var code string
	u, err = s.store.UpdateUser(ctx, p.ID, u.Sub, func(x *storage.User) error {
		code = newCode(x, codeSignUp, attrName, codeValidity, s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	d, err := s.send(ctx, p, &u, delivery{reason: "ResendCode", code: code, medium: medium, attr: attrName, dest: dest, clientID: in.ClientId})
	if err != nil {
		return nil, err
	}
	return map[string]any{"CodeDeliveryDetails": d}, nil
}

// recoveryTarget is a verified email or phone number to send a reset code to.
func recoveryTarget(u *storage.User) (medium, attrName, dest string) {
	if v, _ := attr(u, "email_verified"); v == "true" {
		if e, _ := attr(u, "email"); e != "" {
			return "EMAIL", "email", e
		}
	}
	if v, _ := attr(u, "phone_number_verified"); v == "true" {
		if ph, _ := attr(u, "phone_number"); ph != "" {
			return "SMS", "phone_number", ph
		}
	}
	return "", "", ""
}

func (s *Service) sendResetCode(ctx context.Context, p *pool, u storage.User, reason string, resetStatus bool) (*CodeDeliveryDetailsType, error) {
	medium, attrName, dest := recoveryTarget(&u)
	if dest == "" {
		return nil, apierr.Invalid("Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	var code string
	u, err := s.store.UpdateUser(ctx, p.ID, u.Sub, func(x *storage.User) error {
		code = newCode(x, codeForgot, attrName, time.Hour, s.now())
		if resetStatus {
			x.Status = StatusResetRequired
			p.index(x)
			x.Modified = s.clock()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.send(ctx, p, &u, delivery{reason: reason, code: code, medium: medium, attr: attrName, dest: dest})
}

// ForgotPassword sends a reset code to the user's verified email or phone.
func (s *Service) ForgotPassword(ctx context.Context, in *ClientUserInput) (map[string]any, error) {
	p, _, u, err := s.clientUser(ctx, in.ClientId, in.SecretHash, in.Username)
	if ae, ok := apierr.As(err); ok && (ae.Code == apierr.UserNotFound || ae == errBadCredentials) {
		// A user cognitod does not know yet may be migrated by the trigger.
		if pp, c, cerr := s.clientFor(ctx, in.ClientId, ""); cerr == nil {
			if migrated, ok, merr := s.migrateUser(ctx, pp, c, in.Username, ""); merr != nil {
				return nil, merr
			} else if ok {
				p, u, err = pp, migrated, nil
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if !u.Enabled {
		return nil, errUserDisabled
	}
	d, err := s.sendResetCode(ctx, p, u, "ForgotPassword", false)
	if err != nil {
		return nil, err
	}
	return map[string]any{"CodeDeliveryDetails": d}, s.recordAuthEvent(ctx, p, in.ClientId, u.Sub, "ForgotPassword", "Pass")
}

// ConfirmForgotPasswordInput is the ConfirmForgotPassword request.
type ConfirmForgotPasswordInput struct {
	ClientId         string
	SecretHash       string
	Username         string
	ConfirmationCode string
	Password         string
	ClientMetadata   map[string]string
}

// ConfirmForgotPassword sets a new password with a reset code.
func (s *Service) ConfirmForgotPassword(ctx context.Context, in *ConfirmForgotPasswordInput) (map[string]any, error) {
	p, c, u, err := s.clientUser(ctx, in.ClientId, in.SecretHash, in.Username)
	if err != nil {
		return nil, err
	}
	if err := checkPolicy(p.Policy, in.Password); err != nil {
		return nil, err
	}
	_, err = s.updateConfirmed(ctx, p, u.Sub, func(x *storage.User) error {
		switch res, _ := useCode(x, codeForgot, in.ConfirmationCode, s.now()); res {
		case codeMismatch:
			return errCodeMismatch
		case codeExpired:
			return errCodeExpired
		}
		x.Password = hashPassword(p.ID, x.Username, in.Password, chosenPasswordRounds, s.clock())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.recordAuthEvent(ctx, p, c.ClientId, u.Sub, "PasswordChange", "Pass"); err != nil {
		return nil, err
	}
	return nil, s.postConfirmation(ctx, p, c.ClientId, u.Sub, "PostConfirmation_ConfirmForgotPassword")
}

// AdminResetUserPassword makes a user reset its password (RESET_REQUIRED)
// and sends it a code.
func (s *Service) AdminResetUserPassword(ctx context.Context, in *UserRef) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if u.Status == StatusExternalProvider {
		return nil, apierr.Invalid("Password reset is not possible for users signed up through an external identity provider.")
	}
	if _, err := s.sendResetCode(ctx, p, u, "AdminResetUserPassword", true); err != nil {
		return nil, err
	}
	return nil, nil
}

// clientUser is the first step of the unsigned operations that name a user
// from a client: the client and pool, the user (a missing one hidden when
// the client prevents user-existence errors), and the SECRET_HASH check.
func (s *Service) clientUser(ctx context.Context, clientID, secretHash, username string) (*pool, *UserPoolClientType, storage.User, error) {
	p, c, err := s.clientFor(ctx, clientID, "")
	if err != nil {
		return nil, nil, storage.User{}, err
	}
	u, err := s.findUser(ctx, p, username)
	if err != nil {
		return nil, nil, storage.User{}, s.userExistenceError(c, err)
	}
	if err := checkSecretHash(c, secretHash, username, u.Username); err != nil {
		return nil, nil, storage.User{}, err
	}
	return p, c, u, nil
}
