package userpool

import (
	"context"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

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
// second factors and says which one is preferred.
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

// setMFAPreference applies the settings given; a factor left out keeps
// its state, and within settings given a member left out is false (SDKs
// leave false booleans out).
func (s *Service) setMFAPreference(ctx context.Context, p *pool, sub string, in *SetUserMFAPreferenceInput) error {
	_, err := s.editExtra(ctx, p.ID, sub, func(u *storage.User, x *userExtra) error {
		for _, f := range []struct {
			name string
			set  *mfaSettings
			on   *bool
			ok   bool // the user can receive this factor
			why  string
		}{
			{mfaSMS, in.SMSMfaSettings, &x.MFA.SMS, hasAttr(u, "phone_number"), "User does not have delivery config set to turn on SMS_MFA"},
			{mfaTOTP, in.SoftwareTokenMfaSettings, &x.TOTP.Enabled, x.TOTP.Secret != "", "User has not verified software token mfa"},
			{mfaEmail, in.EmailMfaSettings, &x.MFA.Email, hasAttr(u, "email"), "User does not have delivery config set to turn on EMAIL_OTP"},
		} {
			if f.set == nil {
				continue
			}
			on, preferred := deref(f.set.Enabled) || deref(f.set.PreferredMfa), deref(f.set.PreferredMfa)
			if on && !f.ok {
				return apierr.Invalid("%s", f.why)
			}
			*f.on = on
			switch {
			case preferred:
				x.MFA.Preferred = f.name
			case x.MFA.Preferred == f.name:
				x.MFA.Preferred = ""
			}
		}
		return nil
	})
	return err
}

func hasAttr(u *storage.User, name string) bool {
	v, _ := attr(u, name)
	return v != ""
}

// mfaOf answers AdminGetUser's and GetUser's UserMFASettingList and PreferredMfaSetting.
func mfaOf(u *storage.User) (list []string, preferred string) {
	if len(u.Extra) == 0 {
		return nil, ""
	}
	x := extraOf(u)
	for _, f := range []struct {
		name string
		on   bool
	}{{mfaSMS, x.MFA.SMS}, {mfaTOTP, x.TOTP.Enabled}, {mfaEmail, x.MFA.Email}} {
		if f.on {
			list = append(list, f.name)
		}
	}
	return list, x.MFA.Preferred
}

// UserAuthFactorsOutput is GetUserAuthFactors' and AdminGetUserAuthFactors' answer.
type UserAuthFactorsOutput struct {
	Username                  string
	PreferredMfaSetting       string   `json:",omitempty"`
	UserMFASettingList        []string `json:",omitempty"`
	ConfiguredUserAuthFactors []string `json:",omitempty"`
}

// authFactors answers a user's sign-in factors: its second factors, and
// the first factors it can sign in with (see firstFactors).
func authFactors(p *pool, u *storage.User) *UserAuthFactorsOutput {
	out := &UserAuthFactorsOutput{Username: u.Username}
	out.UserMFASettingList, out.PreferredMfaSetting = mfaOf(u)
	for _, f := range firstFactors(p, u) {
		if f != "PASSWORD_SRP" {
			out.ConfiguredUserAuthFactors = append(out.ConfiguredUserAuthFactors, f)
		}
	}
	return out
}

// GetUserAuthFactors answers the signed-in user's sign-in factors.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUserAuthFactors.html
func (s *Service) GetUserAuthFactors(ctx context.Context, in *AccessTokenInput) (*UserAuthFactorsOutput, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return authFactors(c.pool, &c.user), nil
}

// AdminGetUserAuthFactors answers a user's sign-in factors.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminGetUserAuthFactors.html
func (s *Service) AdminGetUserAuthFactors(ctx context.Context, in *UserRef) (*UserAuthFactorsOutput, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return authFactors(p, &u), nil
}

// SetUserSettingsInput is SetUserSettings' (and, with UserPoolId and
// Username, AdminSetUserSettings') request.
type SetUserSettingsInput struct {
	AccessToken string
	UserPoolId  string
	Username    string
	MFAOptions  []struct{ DeliveryMedium, AttributeName string }
}

// SetUserSettings is the older way to turn SMS MFA on (an SMS option to
// phone_number) or off (no option): Cognito keeps it for that alone.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUserSettings.html
func (s *Service) SetUserSettings(ctx context.Context, in *SetUserSettingsInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	return map[string]any{}, s.setMFAPreference(ctx, c.pool, c.user.Sub, smsOptions(in))
}

// AdminSetUserSettings is SetUserSettings for a user an administrator names.
func (s *Service) AdminSetUserSettings(ctx context.Context, in *SetUserSettingsInput) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	return map[string]any{}, s.setMFAPreference(ctx, p, u.Sub, smsOptions(in))
}

// smsOptions turns MFAOptions into the SMS setting they mean.
func smsOptions(in *SetUserSettingsInput) *SetUserMFAPreferenceInput {
	on := false
	for _, o := range in.MFAOptions {
		on = on || (o.DeliveryMedium == "SMS" && o.AttributeName == "phone_number")
	}
	return &SetUserMFAPreferenceInput{SMSMfaSettings: &mfaSettings{Enabled: &on}}
}
