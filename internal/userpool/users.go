package userpool

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// User statuses.
const (
	StatusConfirmed           = "CONFIRMED"
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       = "RESET_REQUIRED"
	StatusExternalProvider    = "EXTERNAL_PROVIDER"
)

var errUserNotFound = apierr.New(apierr.UserNotFound, "User does not exist.")

// findUser resolves what a caller calls a user: its username, then a
// verified alias or username attribute (email, phone_number,
// preferred_username), then its sub.
func (s *Service) findUser(ctx context.Context, p *pool, name string) (storage.User, error) {
	tries := []storage.UserLookup{{Field: "username", Value: p.key(name)}}
	if strings.Contains(name, "@") {
		tries = append(tries, storage.UserLookup{Field: "alias_email", Value: p.key(name)})
	}
	if strings.HasPrefix(name, "+") {
		tries = append(tries, storage.UserLookup{Field: "alias_phone", Value: name})
	}
	if p.aliasAttribute("preferred_username") {
		tries = append(tries, storage.UserLookup{Field: "alias_preferred", Value: p.key(name)})
	}
	if _, err := uuid.Parse(name); err == nil {
		tries = append(tries, storage.UserLookup{Field: "sub", Value: strings.ToLower(name)})
	}
	for _, by := range tries {
		u, err := s.store.GetUser(ctx, p.ID, by)
		if err == nil {
			return u, nil
		}
		if !isNotFound(err) {
			return u, err
		}
	}
	return storage.User{}, errUserNotFound
}

// identitiesOf reads the identities of the users that have any.
func (s *Service) identitiesOf(ctx context.Context, poolID string, users ...storage.User) (map[string][]storage.Identity, error) {
	subs := make([]string, 0, len(users))
	for _, u := range users {
		if u.IdentityCount > 0 {
			subs = append(subs, u.Sub)
		}
	}
	if len(subs) == 0 {
		return map[string][]storage.Identity{}, nil
	}
	return s.store.ListIdentities(ctx, poolID, subs)
}

func userType(u *storage.User, ids []storage.Identity) UserType {
	return UserType{
		Username:             u.Username,
		Attributes:           renderAttributes(u, ids),
		UserCreateDate:       awsjson.T(u.Created),
		UserLastModifiedDate: awsjson.T(u.Modified),
		Enabled:              u.Enabled,
		UserStatus:           u.Status,
	}
}

// aliasError turns a broken alias uniqueness rule into Cognito's answer.
func aliasError(field string) error {
	switch field {
	case "alias_email":
		return apierr.New(apierr.AliasExists, "An account with the given email already exists.")
	case "alias_phone":
		return apierr.New(apierr.AliasExists, "An account with the given phone_number already exists.")
	case "alias_preferred":
		return apierr.New(apierr.AliasExists, "An account with the given preferred_username already exists.")
	}
	return nil
}

// newUser is a user that SignUp or AdminCreateUser is about to create, with
// the pool's username attributes applied and its required ones checked.
func (p *pool) newUser(username string, attrs []AttributeType, status string, now time.Time) (storage.User, error) {
	u := storage.User{PoolID: p.ID, Sub: uuid.NewString(), Username: username, Status: status, Enabled: true,
		Attributes: toStored(attrs), Created: now, Modified: now}
	if err := p.applyUsernameAttributes(&u, username); err != nil {
		return u, err
	}
	return u, p.checkRequired(&u)
}

// preSignUp is a PreSignUp trigger's request and its default response.
func preSignUp(attrs, validation []AttributeType, meta map[string]string) (req, resp map[string]any) {
	return map[string]any{"userAttributes": attrMap(attrs), "validationData": attrMap(validation), "clientMetadata": orEmpty(meta)},
		map[string]any{"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false}
}

func toStored(attrs []AttributeType) []storage.Attribute {
	out := make([]storage.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, storage.Attribute{Name: a.Name, Value: deref(a.Value)})
	}
	return out
}

// AdminCreateUserInput is the AdminCreateUser request.
type AdminCreateUserInput struct {
	UserPoolId             string
	Username               string
	UserAttributes         []AttributeType
	ValidationData         []AttributeType
	TemporaryPassword      *string
	ForceAliasCreation     bool
	MessageAction          string
	DesiredDeliveryMediums []string
	ClientMetadata         map[string]string
}

// AdminCreateUser creates a user with status FORCE_CHANGE_PASSWORD.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
func (s *Service) AdminCreateUser(ctx context.Context, in *AdminCreateUserInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.MessageAction == "RESEND" {
		return s.resendInvitation(ctx, p, in)
	}
	if err := p.checkWrite(in.UserAttributes, true); err != nil {
		return nil, err
	}
	now := s.clock()
	u, err := p.newUser(in.Username, in.UserAttributes, StatusForceChangePassword, now)
	if err != nil {
		return nil, err
	}
	if arn := s.lambdaARN(p, "PreSignUp"); arn != "" {
		// PreSignUp_AdminCreateUser can refuse the user; its response is ignored.
		req, resp := preSignUp(in.UserAttributes, in.ValidationData, in.ClientMetadata)
		if _, err := s.triggers.Invoke(ctx, "PreSignUp", arn, s.triggerEvent(p, "PreSignUp_AdminCreateUser", in.Username, "", req, resp)); err != nil {
			return nil, err
		}
	}
	temp := deref(in.TemporaryPassword)
	if temp != "" {
		if err := checkPolicy(p.Policy, *in.TemporaryPassword); err != nil {
			return nil, err
		}
		u.Password = hashPassword(p.ID, u.Username, *in.TemporaryPassword, chosenPasswordRounds, now)
	} else {
		if in.MessageAction == "SUPPRESS" {
			u.Password = unusablePassword(now)
		} else {
			temp = temporaryPassword(p.Policy)
			u.Password = hashPassword(p.ID, u.Username, temp, 1, now)
		}
	}
	var tmpl *messageTemplate
	if in.MessageAction != "SUPPRESS" {
		// Asked before the user is stored: a failing trigger stores nothing.
		if tmpl, err = s.customMessage(ctx, p, &u, "", "AdminCreateUser"); err != nil {
			return nil, err
		}
	}
	p.index(&u)
	created, err := s.store.CreateUser(ctx, u)
	if field, dup := uniqueField(err); dup {
		if ae := aliasError(field); ae != nil {
			if !in.ForceAliasCreation {
				return nil, ae
			}
			if err := s.takeAlias(ctx, p, field, &u); err != nil {
				return nil, err
			}
			created, err = s.store.CreateUser(ctx, u)
		}
	}
	if field, dup := uniqueField(err); dup {
		if ae := aliasError(field); ae != nil {
			return nil, ae
		}
		return nil, apierr.New(apierr.UsernameExists, "User account already exists")
	}
	if err != nil {
		return nil, err
	}
	if in.MessageAction != "SUPPRESS" {
		if _, err := s.send(ctx, p, &created, delivery{reason: "AdminCreateUser", temp: temp, mediums: in.DesiredDeliveryMediums, tmpl: tmpl}); err != nil {
			return nil, err
		}
	}
	return map[string]any{"User": userType(&created, nil)}, nil
}

// applyUsernameAttributes handles pools whose users sign in with an email
// or phone number: the given name must be one, it becomes that attribute, and
// the stored username is the sub. Elsewhere a name that looks like an alias
// is refused when the pool uses that alias.
func (p *pool) applyUsernameAttributes(u *storage.User, name string) error {
	isEmail := emailFormat.MatchString(name)
	isPhone := phoneFormat.MatchString(name)
	if len(p.UsernameAttributes) > 0 {
		email, phone := p.usernameAttribute("email"), p.usernameAttribute("phone_number")
		switch {
		case email && isEmail:
			setAttr(u, "email", name)
		case phone && isPhone:
			setAttr(u, "phone_number", name)
		case email && phone:
			return apierr.Invalid("Username should be either an email or a phone number.")
		case email:
			return apierr.Invalid("Username should be an email.")
		default:
			return apierr.Invalid("Username should be a phone number.")
		}
		u.Username = u.Sub
		return nil
	}
	if isEmail && p.aliasAttribute("email") {
		return apierr.Invalid("Username cannot be of email format, since user pool is configured for email alias.")
	}
	if isPhone && p.aliasAttribute("phone_number") {
		return apierr.Invalid("Username cannot be of phone format, since user pool is configured for phone alias.")
	}
	return nil
}

// takeAlias moves an alias from the user who holds it to u
// (ForceAliasCreation): the old holder's attribute stays but is unverified.
func (s *Service) takeAlias(ctx context.Context, p *pool, field string, u *storage.User) error {
	value := map[string]string{"alias_email": u.AliasEmail, "alias_phone": u.AliasPhone, "alias_preferred": u.AliasPreferred}[field]
	holder, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: field, Value: value})
	if err != nil {
		return err
	}
	_, err = s.store.UpdateUser(ctx, p.ID, holder.Sub, func(h *storage.User) error {
		switch field {
		case "alias_email":
			setAttr(h, "email_verified", "false")
		case "alias_phone":
			setAttr(h, "phone_number_verified", "false")
		case "alias_preferred":
			deleteAttr(h, "preferred_username")
		}
		p.index(h)
		h.Modified = s.clock()
		return nil
	})
	return err
}

func (s *Service) resendInvitation(ctx context.Context, p *pool, in *AdminCreateUserInput) (map[string]any, error) {
	u, err := s.findUser(ctx, p, in.Username)
	if err != nil {
		return nil, err
	}
	if u.Status != StatusForceChangePassword {
		return nil, apierr.New(apierr.UnsupportedUserState, "Resend not possible. %s status is not FORCE_CHANGE_PASSWORD", u.Username)
	}
	temp := temporaryPassword(p.Policy)
	u, err = s.store.UpdateUser(ctx, p.ID, u.Sub, func(x *storage.User) error {
		x.Password = hashPassword(p.ID, x.Username, temp, 1, s.clock())
		x.Modified = s.clock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids, err := s.identitiesOf(ctx, p.ID, u)
	if err != nil {
		return nil, err
	}
	if _, err := s.send(ctx, p, &u, delivery{reason: "AdminCreateUser", temp: temp, mediums: in.DesiredDeliveryMediums}); err != nil {
		return nil, err
	}
	return map[string]any{"User": userType(&u, ids[u.Sub])}, nil
}

// UserRef is the request of the operations that name one user.
type UserRef struct {
	UserPoolId string
	Username   string
}

// AdminGetUser answers a user by username, alias or sub.
func (s *Service) AdminGetUser(ctx context.Context, in *UserRef) (*AdminGetUserOutput, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	ids, err := s.identitiesOf(ctx, p.ID, u)
	if err != nil {
		return nil, err
	}
	mfa, preferred := mfaOf(&u)
	return &AdminGetUserOutput{
		Username:             u.Username,
		UserAttributes:       renderAttributes(&u, ids[u.Sub]),
		UserCreateDate:       awsjson.T(u.Created),
		UserLastModifiedDate: awsjson.T(u.Modified),
		Enabled:              u.Enabled,
		UserStatus:           u.Status,
		UserMFASettingList:   mfa,
		PreferredMfaSetting:  preferred,
	}, nil
}

// AdminGetUserOutput is AdminGetUser's answer (a struct, not a map: the most
// frequent admin call encodes without sorting keys).
type AdminGetUserOutput struct {
	Username             string
	UserAttributes       []AttributeType
	UserCreateDate       *awsjson.Time
	UserLastModifiedDate *awsjson.Time
	Enabled              bool
	UserStatus           string
	UserMFASettingList   []string `json:",omitempty"`
	PreferredMfaSetting  string   `json:",omitempty"`
}

// AdminDeleteUser deletes a user; identities linked to it are free again.
func (s *Service) AdminDeleteUser(ctx context.Context, in *UserRef) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteUser(ctx, p.ID, u.Sub); isNotFound(err) {
		return nil, errUserNotFound
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// poolUser finds a pool of the caller's region and a user of it.
func (s *Service) poolUser(ctx context.Context, poolID, username string) (*pool, storage.User, error) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return nil, storage.User{}, err
	}
	u, err := s.findUser(ctx, p, username)
	return p, u, err
}

// updateUser finds a user and changes it in one transaction.
func (s *Service) updateUser(ctx context.Context, poolID, username string, fn func(p *pool, u *storage.User) error) (storage.User, error) {
	p, u, err := s.poolUser(ctx, poolID, username)
	if err != nil {
		return u, err
	}
	return s.changeUser(ctx, p, u.Sub, func(x *storage.User) error { return fn(p, x) })
}

// changeUser updates a stored user in one transaction: fn, then its lookup
// keys and modified date; storage errors become Cognito's.
func (s *Service) changeUser(ctx context.Context, p *pool, sub string, fn func(*storage.User) error) (storage.User, error) {
	u, err := s.store.UpdateUser(ctx, p.ID, sub, func(x *storage.User) error {
		if err := fn(x); err != nil {
			return err
		}
		p.index(x)
		x.Modified = s.clock()
		return nil
	})
	if isNotFound(err) {
		return u, errUserNotFound
	}
	if field, dup := uniqueField(err); dup {
		if ae := aliasError(field); ae != nil {
			return u, ae
		}
	}
	return u, err
}

// AdminUpdateUserAttributesInput is the AdminUpdateUserAttributes request.
type AdminUpdateUserAttributesInput struct {
	UserPoolId     string
	Username       string
	UserAttributes []AttributeType
	ClientMetadata map[string]string
}

// AdminUpdateUserAttributes sets attributes. A changed email or phone number
// is unverified unless the same call verifies it.
func (s *Service) AdminUpdateUserAttributes(ctx context.Context, in *AdminUpdateUserAttributesInput) (map[string]any, error) {
	_, err := s.updateUser(ctx, in.UserPoolId, in.Username, func(p *pool, u *storage.User) error {
		if err := p.checkWrite(in.UserAttributes, false); err != nil {
			return err
		}
		given := map[string]bool{}
		for _, a := range in.UserAttributes {
			given[a.Name] = true
		}
		for _, a := range in.UserAttributes {
			old, had := attr(u, a.Name)
			setAttr(u, a.Name, deref(a.Value))
			if a.Name == "email" && (!had || old != deref(a.Value)) && !given["email_verified"] {
				setAttr(u, "email_verified", "false")
			}
			if a.Name == "phone_number" && (!had || old != deref(a.Value)) && !given["phone_number_verified"] {
				setAttr(u, "phone_number_verified", "false")
			}
		}
		return nil
	})
	return nil, err
}

// AdminDeleteUserAttributesInput is the AdminDeleteUserAttributes request.
type AdminDeleteUserAttributesInput struct {
	UserPoolId         string
	Username           string
	UserAttributeNames []string
}

// AdminDeleteUserAttributes removes attributes that are neither required nor immutable.
func (s *Service) AdminDeleteUserAttributes(ctx context.Context, in *AdminDeleteUserAttributesInput) (map[string]any, error) {
	_, err := s.updateUser(ctx, in.UserPoolId, in.Username, func(p *pool, u *storage.User) error {
		for _, name := range in.UserAttributeNames {
			if name == "sub" || name == "identities" {
				return apierr.Invalid("Invalid user attributes: %s: Attribute cannot be updated.", name)
			}
			def, ok := p.schemaAttr(name)
			if !ok {
				return schemaError([]string{name + ": Attribute does not exist in the schema."})
			}
			if def.Required {
				return apierr.Invalid("Invalid user attributes: %s: The attribute is required", name)
			}
			if !def.Mutable {
				return apierr.Invalid("Invalid user attributes: %s: Attribute cannot be updated.", name)
			}
			deleteAttr(u, name)
		}
		return nil
	})
	return nil, err
}

// AdminDisableUser stops a user from signing in.
func (s *Service) AdminDisableUser(ctx context.Context, in *UserRef) (map[string]any, error) {
	_, err := s.updateUser(ctx, in.UserPoolId, in.Username, func(_ *pool, u *storage.User) error {
		u.Enabled = false
		return nil
	})
	return nil, err
}

// AdminEnableUser lets a disabled user sign in again.
func (s *Service) AdminEnableUser(ctx context.Context, in *UserRef) (map[string]any, error) {
	_, err := s.updateUser(ctx, in.UserPoolId, in.Username, func(_ *pool, u *storage.User) error {
		u.Enabled = true
		return nil
	})
	return nil, err
}

// AdminSetUserPasswordInput is the AdminSetUserPassword request.
type AdminSetUserPasswordInput struct {
	UserPoolId string
	Username   string
	Password   string
	Permanent  bool
}

// AdminSetUserPassword sets a permanent (CONFIRMED) or temporary
// (FORCE_CHANGE_PASSWORD) password under the pool's policy.
func (s *Service) AdminSetUserPassword(ctx context.Context, in *AdminSetUserPasswordInput) (map[string]any, error) {
	_, err := s.updateUser(ctx, in.UserPoolId, in.Username, func(p *pool, u *storage.User) error {
		if u.Status == StatusExternalProvider {
			return apierr.Invalid("Password cannot be set for users signed up through an external identity provider.")
		}
		if err := checkPolicy(p.Policy, in.Password); err != nil {
			return err
		}
		u.Password = hashPassword(p.ID, u.Username, in.Password, chosenPasswordRounds, s.clock())
		if in.Permanent {
			u.Status = StatusConfirmed
		} else {
			u.Status = StatusForceChangePassword
		}
		return nil
	})
	return nil, err
}
