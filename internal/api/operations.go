package api

import (
	"context"
	"encoding/json"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/userpool"
)

// handler runs one operation on a validated body.
type handler func(ctx context.Context, body []byte) (any, error)

// op adapts a typed domain method to a handler.
func op[In any](fn func(context.Context, *In) (map[string]any, error)) handler {
	return decoded(func(ctx context.Context, in *In) (any, error) {
		out, err := fn(ctx, in)
		if err != nil || out == nil {
			return nil, err // no typed nil inside the interface
		}
		return out, nil
	})
}

// typedOp adapts a domain method whose answer is a struct.
func typedOp[In, Out any](fn func(context.Context, *In) (*Out, error)) handler {
	return decoded(func(ctx context.Context, in *In) (any, error) {
		out, err := fn(ctx, in)
		if err != nil || out == nil {
			return nil, err
		}
		return out, nil
	})
}

// decoded decodes the body into In and calls fn.
func decoded[In any](fn func(context.Context, *In) (any, error)) handler {
	return func(ctx context.Context, body []byte) (any, error) {
		var in In
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, apierr.New(apierr.Serialization, "Unable to parse the request body.")
		}
		return fn(ctx, &in)
	}
}

// rawOp adapts a domain method that takes the request's members as they came
// (CreateUserPool and UpdateUserPool keep configuration they do not interpret).
func rawOp(fn func(context.Context, map[string]json.RawMessage) (map[string]any, error)) handler {
	return op(func(ctx context.Context, in *map[string]json.RawMessage) (map[string]any, error) {
		return fn(ctx, *in)
	})
}

// operations is the table of implemented operations.
func operations(s *userpool.Service) map[string]handler {
	return map[string]handler{
		"CreateUserPool":   rawOp(s.CreateUserPool),
		"DescribeUserPool": op(s.DescribeUserPool),
		"ListUserPools":    op(s.ListUserPools),
		"UpdateUserPool":   rawOp(s.UpdateUserPool),
		"DeleteUserPool":   op(s.DeleteUserPool),

		"TagResource":               op(s.TagResource),
		"UntagResource":             op(s.UntagResource),
		"ListTagsForResource":       op(s.ListTagsForResource),
		"GetUserPoolMfaConfig":      op(s.GetUserPoolMfaConfig),
		"SetUserPoolMfaConfig":      op(s.SetUserPoolMfaConfig),
		"AddCustomAttributes":       op(s.AddCustomAttributes),
		"GetSigningCertificate":     op(s.GetSigningCertificate),
		"GetTokensFromRefreshToken": op(s.GetTokensFromRefreshToken),
		"GetClientToken":            op(s.GetClientToken),
		"CreateUserPoolReplica":     op(s.CreateUserPoolReplica),
		"UpdateUserPoolReplica":     op(s.UpdateUserPoolReplica),
		"DeleteUserPoolReplica":     op(s.DeleteUserPoolReplica),
		"ListUserPoolReplicas":      op(s.ListUserPoolReplicas),
		"SetUICustomization":        op(s.SetUICustomization),
		"GetUICustomization":        op(s.GetUICustomization),

		"CreateManagedLoginBranding":           op(s.CreateManagedLoginBranding),
		"DescribeManagedLoginBranding":         op(s.DescribeManagedLoginBranding),
		"DescribeManagedLoginBrandingByClient": op(s.DescribeManagedLoginBrandingByClient),
		"UpdateManagedLoginBranding":           op(s.UpdateManagedLoginBranding),
		"DeleteManagedLoginBranding":           op(s.DeleteManagedLoginBranding),

		"GetProvisionedLimit":         op(s.GetProvisionedLimit),
		"UpdateProvisionedLimit":      op(s.UpdateProvisionedLimit),
		"SetLogDeliveryConfiguration": op(s.SetLogDeliveryConfiguration),
		"GetLogDeliveryConfiguration": op(s.GetLogDeliveryConfiguration),
		"CreateTerms":                 op(s.CreateTerms),
		"UpdateTerms":                 op(s.UpdateTerms),
		"DescribeTerms":               op(s.DescribeTerms),
		"DeleteTerms":                 op(s.DeleteTerms),
		"ListTerms":                   op(s.ListTerms),

		"SetRiskConfiguration":         op(s.SetRiskConfiguration),
		"DescribeRiskConfiguration":    op(s.DescribeRiskConfiguration),
		"AdminListUserAuthEvents":      op(s.AdminListUserAuthEvents),
		"AdminUpdateAuthEventFeedback": op(s.AdminUpdateAuthEventFeedback),
		"UpdateAuthEventFeedback":      op(s.UpdateAuthEventFeedback),

		"AddUserPoolClientSecret":    op(s.AddUserPoolClientSecret),
		"DeleteUserPoolClientSecret": op(s.DeleteUserPoolClientSecret),
		"ListUserPoolClientSecrets":  op(s.ListUserPoolClientSecrets),

		"StartWebAuthnRegistration":    op(s.StartWebAuthnRegistration),
		"CompleteWebAuthnRegistration": op(s.CompleteWebAuthnRegistration),
		"ListWebAuthnCredentials":      op(s.ListWebAuthnCredentials),
		"DeleteWebAuthnCredential":     op(s.DeleteWebAuthnCredential),

		"ConfirmDevice":           op(s.ConfirmDevice),
		"GetDevice":               op(s.GetDevice),
		"AdminGetDevice":          op(s.AdminGetDevice),
		"ListDevices":             op(s.ListDevices),
		"AdminListDevices":        op(s.AdminListDevices),
		"ForgetDevice":            op(s.ForgetDevice),
		"AdminForgetDevice":       op(s.AdminForgetDevice),
		"UpdateDeviceStatus":      op(s.UpdateDeviceStatus),
		"AdminUpdateDeviceStatus": op(s.AdminUpdateDeviceStatus),

		"AssociateSoftwareToken":    op(s.AssociateSoftwareToken),
		"VerifySoftwareToken":       op(s.VerifySoftwareToken),
		"SetUserMFAPreference":      op(s.SetUserMFAPreference),
		"AdminSetUserMFAPreference": op(s.AdminSetUserMFAPreference),
		"SetUserSettings":           op(s.SetUserSettings),
		"AdminSetUserSettings":      op(s.AdminSetUserSettings),
		"GetUserAuthFactors":        typedOp(s.GetUserAuthFactors),
		"AdminGetUserAuthFactors":   typedOp(s.AdminGetUserAuthFactors),

		"AdminCreateUser":           op(s.AdminCreateUser),
		"AdminGetUser":              typedOp(s.AdminGetUser),
		"ListUsers":                 op(s.ListUsers),
		"AdminDeleteUser":           op(s.AdminDeleteUser),
		"AdminUpdateUserAttributes": op(s.AdminUpdateUserAttributes),
		"AdminDeleteUserAttributes": op(s.AdminDeleteUserAttributes),
		"AdminDisableUser":          op(s.AdminDisableUser),
		"AdminEnableUser":           op(s.AdminEnableUser),
		"AdminSetUserPassword":      op(s.AdminSetUserPassword),

		"CreateIdentityProvider":          op(s.CreateIdentityProvider),
		"DescribeIdentityProvider":        op(s.DescribeIdentityProvider),
		"UpdateIdentityProvider":          op(s.UpdateIdentityProvider),
		"DeleteIdentityProvider":          op(s.DeleteIdentityProvider),
		"ListIdentityProviders":           op(s.ListIdentityProviders),
		"GetIdentityProviderByIdentifier": op(s.GetIdentityProviderByIdentifier),

		"CreateUserPoolClient":   op(s.CreateUserPoolClient),
		"DescribeUserPoolClient": op(s.DescribeUserPoolClient),
		"UpdateUserPoolClient":   op(s.UpdateUserPoolClient),
		"DeleteUserPoolClient":   op(s.DeleteUserPoolClient),
		"ListUserPoolClients":    op(s.ListUserPoolClients),

		"AdminLinkProviderForUser":    op(s.AdminLinkProviderForUser),
		"AdminDisableProviderForUser": op(s.AdminDisableProviderForUser),

		"SignUp":                 op(s.SignUp),
		"ConfirmSignUp":          op(s.ConfirmSignUp),
		"AdminConfirmSignUp":     op(s.AdminConfirmSignUp),
		"ResendConfirmationCode": op(s.ResendConfirmationCode),
		"ForgotPassword":         op(s.ForgotPassword),
		"ConfirmForgotPassword":  op(s.ConfirmForgotPassword),
		"AdminResetUserPassword": op(s.AdminResetUserPassword),

		"InitiateAuth":                op(s.InitiateAuth),
		"AdminInitiateAuth":           op(s.AdminInitiateAuth),
		"RespondToAuthChallenge":      op(s.RespondToAuthChallenge),
		"AdminRespondToAuthChallenge": op(s.AdminRespondToAuthChallenge),

		"GetUser":                          op(s.GetUser),
		"UpdateUserAttributes":             op(s.UpdateUserAttributes),
		"DeleteUser":                       op(s.DeleteUser),
		"DeleteUserAttributes":             op(s.DeleteUserAttributes),
		"ChangePassword":                   op(s.ChangePassword),
		"GlobalSignOut":                    op(s.GlobalSignOut),
		"AdminUserGlobalSignOut":           op(s.AdminUserGlobalSignOut),
		"RevokeToken":                      op(s.RevokeToken),
		"GetUserAttributeVerificationCode": op(s.GetUserAttributeVerificationCode),
		"VerifyUserAttribute":              op(s.VerifyUserAttribute),

		"CreateGroup":              op(s.CreateGroup),
		"GetGroup":                 op(s.GetGroup),
		"ListGroups":               op(s.ListGroups),
		"UpdateGroup":              op(s.UpdateGroup),
		"DeleteGroup":              op(s.DeleteGroup),
		"AdminAddUserToGroup":      op(s.AdminAddUserToGroup),
		"AdminRemoveUserFromGroup": op(s.AdminRemoveUserFromGroup),
		"AdminListGroupsForUser":   op(s.AdminListGroupsForUser),
		"ListUsersInGroup":         op(s.ListUsersInGroup),

		"CreateResourceServer":   op(s.CreateResourceServer),
		"DescribeResourceServer": op(s.DescribeResourceServer),
		"ListResourceServers":    op(s.ListResourceServers),
		"UpdateResourceServer":   op(s.UpdateResourceServer),
		"DeleteResourceServer":   op(s.DeleteResourceServer),
		"CreateUserPoolDomain":   op(s.CreateUserPoolDomain),
		"DescribeUserPoolDomain": op(s.DescribeUserPoolDomain),
		"UpdateUserPoolDomain":   op(s.UpdateUserPoolDomain),
		"DeleteUserPoolDomain":   op(s.DeleteUserPoolDomain),

		"GetCSVHeader":          op(s.GetCSVHeader),
		"CreateUserImportJob":   op(s.CreateUserImportJob),
		"StartUserImportJob":    op(s.StartUserImportJob),
		"StopUserImportJob":     op(s.StopUserImportJob),
		"DescribeUserImportJob": op(s.DescribeUserImportJob),
		"ListUserImportJobs":    op(s.ListUserImportJobs),
	}
}
