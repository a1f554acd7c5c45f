package quota

import (
	"sync"
	"time"
)

// DefaultRates are the real service's default quotas, in requests per second.
var DefaultRates = map[string]float64{
	"UserAuthentication":     120,
	"UserCreation":           50,
	"UserFederation":         25,
	"UserRead":               120,
	"UserList":               30,
	"UserUpdate":             25,
	"UserResourceRead":       50,
	"UserResourceUpdate":     15,
	"UserPoolRead":           15,
	"UserPoolUpdate":         15,
	"UserPoolClientRead":     15,
	"UserPoolClientUpdate":   15,
	"UserPoolResourceRead":   20,
	"UserPoolResourceUpdate": 15,
	"UserAccountRecovery":    30,
	"ClientCredentials":      150,
}

// Category is the quota category of an operation ("" = not limited).
func Category(op string) string { return categories[op] }

var categories = map[string]string{
	"InitiateAuth": "UserAuthentication", "AdminInitiateAuth": "UserAuthentication",
	"RespondToAuthChallenge": "UserAuthentication", "AdminRespondToAuthChallenge": "UserAuthentication",
	"GetTokensFromRefreshToken": "UserAuthentication", "GetClientToken": "ClientCredentials", "AssociateSoftwareToken": "UserAuthentication", "VerifySoftwareToken": "UserAuthentication",
	"ConfirmDevice":           "UserAuthentication",
	"AdminListUserAuthEvents": "UserResourceRead", "AdminUpdateAuthEventFeedback": "UserResourceUpdate", "UpdateAuthEventFeedback": "UserResourceUpdate",
	"CreateUserPoolReplica": "UserPoolUpdate", "UpdateUserPoolReplica": "UserPoolUpdate", "DeleteUserPoolReplica": "UserPoolUpdate", "ListUserPoolReplicas": "UserPoolRead",
	"SetRiskConfiguration": "UserPoolUpdate", "DescribeRiskConfiguration": "UserPoolRead",
	"SetLogDeliveryConfiguration": "UserPoolUpdate", "GetLogDeliveryConfiguration": "UserPoolRead",
	"CreateManagedLoginBranding": "UserPoolResourceUpdate", "UpdateManagedLoginBranding": "UserPoolResourceUpdate", "DeleteManagedLoginBranding": "UserPoolResourceUpdate",
	"DescribeManagedLoginBranding": "UserPoolResourceRead", "DescribeManagedLoginBrandingByClient": "UserPoolResourceRead",
	"CreateTerms": "UserPoolResourceUpdate", "UpdateTerms": "UserPoolResourceUpdate", "DeleteTerms": "UserPoolResourceUpdate", "DescribeTerms": "UserPoolResourceRead", "ListTerms": "UserPoolResourceRead",
	"StartWebAuthnRegistration": "UserUpdate", "CompleteWebAuthnRegistration": "UserUpdate", "DeleteWebAuthnCredential": "UserUpdate", "ListWebAuthnCredentials": "UserRead",
	"GetDevice": "UserResourceRead", "AdminGetDevice": "UserResourceRead", "ListDevices": "UserResourceRead", "AdminListDevices": "UserResourceRead",
	"ForgetDevice": "UserResourceUpdate", "AdminForgetDevice": "UserResourceUpdate", "UpdateDeviceStatus": "UserResourceUpdate", "AdminUpdateDeviceStatus": "UserResourceUpdate",
	"SetUserMFAPreference": "UserUpdate", "AdminSetUserMFAPreference": "UserUpdate",
	"SetUserSettings": "UserUpdate", "AdminSetUserSettings": "UserUpdate", "GetUserAuthFactors": "UserRead", "AdminGetUserAuthFactors": "UserRead",
	"SignUp": "UserCreation", "AdminCreateUser": "UserCreation", "ConfirmSignUp": "UserCreation", "AdminConfirmSignUp": "UserCreation",
	"AdminGetUser": "UserRead", "GetUser": "UserRead",
	"ListUsers": "UserList", "ListUsersInGroup": "UserList",
	"AdminLinkProviderForUser": "UserUpdate", "AdminDisableProviderForUser": "UserUpdate", "AdminDeleteUser": "UserUpdate",
	"AdminUpdateUserAttributes": "UserUpdate", "AdminDeleteUserAttributes": "UserUpdate", "AdminDisableUser": "UserUpdate",
	"AdminEnableUser": "UserUpdate", "AdminSetUserPassword": "UserUpdate", "AdminUserGlobalSignOut": "UserUpdate",
	"UpdateUserAttributes": "UserUpdate", "DeleteUser": "UserUpdate", "DeleteUserAttributes": "UserUpdate", "ChangePassword": "UserUpdate",
	"AdminAddUserToGroup": "UserUpdate", "AdminRemoveUserFromGroup": "UserUpdate",
	"ForgotPassword": "UserAccountRecovery", "ConfirmForgotPassword": "UserAccountRecovery", "AdminResetUserPassword": "UserAccountRecovery",
	"ResendConfirmationCode":           "UserAccountRecovery",
	"GetUserAttributeVerificationCode": "UserAccountRecovery", "VerifyUserAttribute": "UserUpdate", "GlobalSignOut": "UserUpdate", "RevokeToken": "UserAuthentication",
	"CreateUserPoolDomain": "UserPoolResourceUpdate", "UpdateUserPoolDomain": "UserPoolResourceUpdate", "DeleteUserPoolDomain": "UserPoolResourceUpdate", "DescribeUserPoolDomain": "UserPoolResourceRead",
	"CreateUserImportJob": "UserPoolResourceUpdate", "StartUserImportJob": "UserPoolResourceUpdate", "StopUserImportJob": "UserPoolResourceUpdate",
	"DescribeUserImportJob": "UserPoolResourceRead", "ListUserImportJobs": "UserPoolResourceRead", "GetCSVHeader": "UserPoolResourceRead",
	"AdminListGroupsForUser": "UserResourceRead", "GetGroup": "UserResourceRead", "ListGroups": "UserResourceRead",
	"CreateGroup": "UserResourceUpdate", "UpdateGroup": "UserResourceUpdate", "DeleteGroup": "UserResourceUpdate",
	"DescribeUserPool": "UserPoolRead", "ListUserPools": "UserPoolRead", "GetUserPoolMfaConfig": "UserPoolRead",
	"CreateUserPool": "UserPoolUpdate", "UpdateUserPool": "UserPoolUpdate", "DeleteUserPool": "UserPoolUpdate",
	"SetUserPoolMfaConfig": "UserPoolUpdate", "AddCustomAttributes": "UserPoolUpdate",
	"ListTagsForResource": "UserPoolResourceRead", "GetSigningCertificate": "UserPoolResourceRead",
	"GetUICustomization": "UserPoolResourceRead", "SetUICustomization": "UserPoolResourceUpdate", "TagResource": "UserPoolResourceUpdate", "UntagResource": "UserPoolResourceUpdate",
	"DescribeUserPoolClient": "UserPoolClientRead", "ListUserPoolClients": "UserPoolClientRead",
	"AddUserPoolClientSecret": "UserPoolClientUpdate", "DeleteUserPoolClientSecret": "UserPoolClientUpdate", "ListUserPoolClientSecrets": "UserPoolClientRead",
	"CreateUserPoolClient": "UserPoolClientUpdate", "UpdateUserPoolClient": "UserPoolClientUpdate", "DeleteUserPoolClient": "UserPoolClientUpdate",
	"DescribeIdentityProvider": "UserPoolResourceRead", "ListIdentityProviders": "UserPoolResourceRead", "GetIdentityProviderByIdentifier": "UserPoolResourceRead",
	"DescribeResourceServer": "UserPoolResourceRead", "ListResourceServers": "UserPoolResourceRead",
	"CreateIdentityProvider": "UserPoolResourceUpdate", "UpdateIdentityProvider": "UserPoolResourceUpdate", "DeleteIdentityProvider": "UserPoolResourceUpdate",
	"CreateResourceServer": "UserPoolResourceUpdate", "UpdateResourceServer": "UserPoolResourceUpdate", "DeleteResourceServer": "UserPoolResourceUpdate",
}

// Limiter holds one token bucket per (account-Region scope, category).
type Limiter struct {
	rates   map[string]float64
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	// provisioned are rates raised per (scope, category) by
	// UpdateProvisionedLimit.
	provisioned map[string]float64
}

type bucket struct {
	tokens float64
	last   time.Time
}

// UnsignedScope is the scope of unsigned calls (InitiateAuth, SignUp, ...):
// they name no Region.
const UnsignedScope = "unsigned"

// Rate is a category's configured rate (0: not limited).
func (l *Limiter) Rate(cat string) float64 { return l.rates[cat] }

// SetProvisioned raises a category's rate in one scope (a Region), as
// UpdateProvisionedLimit does.
// Unsigned calls, which name no Region, get the highest rate provisioned
// in any.
func (l *Limiter) SetProvisioned(scope, cat string, rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.provisioned[scope+"/"+cat] = rate
	if u := UnsignedScope + "/" + cat; rate > l.provisioned[u] {
		l.provisioned[u] = rate
	}
}

// New makes a limiter; rates override DefaultRates per category.
func New(rates map[string]float64, now func() time.Time) *Limiter {
	r := map[string]float64{}
	for k, v := range DefaultRates {
		r[k] = v
	}
	for k, v := range rates {
		r[k] = v
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{rates: r, now: now, buckets: map[string]*bucket{}, provisioned: map[string]float64{}}
}

// Allow takes one request of op in scope (a Region); false means "Rate exceeded".
func (l *Limiter) Allow(scope, op string) bool {
	cat := Category(op)
	rate := l.rates[cat]
	if cat == "" || rate <= 0 {
		return true
	}
	key := scope + "/" + cat
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.provisioned[key]; p > rate {
		rate = p
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: rate, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * rate
	if b.tokens > rate {
		b.tokens = rate
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
