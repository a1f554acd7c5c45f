package userpool

import "github.com/cognitod/cognitod/internal/awsjson"

// Wire types of the cognito-idp API, named and shaped as in the model.

// AttributeType is a user attribute.
type AttributeType struct {
	Name  string  `json:"Name"`
	Value *string `json:"Value,omitempty"`
}

// UserType is a user as ListUsers and AdminCreateUser return it.
type UserType struct {
	Username             string          `json:"Username"`
	Attributes           []AttributeType `json:"Attributes,omitempty"`
	UserCreateDate       *awsjson.Time   `json:"UserCreateDate,omitempty"`
	UserLastModifiedDate *awsjson.Time   `json:"UserLastModifiedDate,omitempty"`
	Enabled              bool            `json:"Enabled"`
	UserStatus           string          `json:"UserStatus,omitempty"`
}

// ProviderUserIdentifierType names a user by provider and attribute.
type ProviderUserIdentifierType struct {
	ProviderName           *string `json:"ProviderName,omitempty"`
	ProviderAttributeName  *string `json:"ProviderAttributeName,omitempty"`
	ProviderAttributeValue *string `json:"ProviderAttributeValue,omitempty"`
}

// SchemaAttributeType is one attribute of a pool's schema.
type SchemaAttributeType struct {
	Name                       string                          `json:"Name"`
	AttributeDataType          string                          `json:"AttributeDataType"`
	DeveloperOnlyAttribute     bool                            `json:"DeveloperOnlyAttribute"`
	Mutable                    bool                            `json:"Mutable"`
	Required                   bool                            `json:"Required"`
	NumberAttributeConstraints *NumberAttributeConstraintsType `json:"NumberAttributeConstraints,omitempty"`
	StringAttributeConstraints *StringAttributeConstraintsType `json:"StringAttributeConstraints,omitempty"`
}

// schemaInput is SchemaAttributeType as a request gives it (flags may be absent).
type schemaInput struct {
	Name                       *string                         `json:"Name"`
	AttributeDataType          *string                         `json:"AttributeDataType"`
	DeveloperOnlyAttribute     *bool                           `json:"DeveloperOnlyAttribute"`
	Mutable                    *bool                           `json:"Mutable"`
	Required                   *bool                           `json:"Required"`
	NumberAttributeConstraints *NumberAttributeConstraintsType `json:"NumberAttributeConstraints"`
	StringAttributeConstraints *StringAttributeConstraintsType `json:"StringAttributeConstraints"`
}

// NumberAttributeConstraintsType bounds a Number attribute.
type NumberAttributeConstraintsType struct {
	MinValue *string `json:"MinValue,omitempty"`
	MaxValue *string `json:"MaxValue,omitempty"`
}

// StringAttributeConstraintsType bounds a String attribute's length.
type StringAttributeConstraintsType struct {
	MinLength *string `json:"MinLength,omitempty"`
	MaxLength *string `json:"MaxLength,omitempty"`
}

// PasswordPolicyType is a pool's password policy.
type PasswordPolicyType struct {
	MinimumLength                 int  `json:"MinimumLength"`
	RequireUppercase              bool `json:"RequireUppercase"`
	RequireLowercase              bool `json:"RequireLowercase"`
	RequireNumbers                bool `json:"RequireNumbers"`
	RequireSymbols                bool `json:"RequireSymbols"`
	PasswordHistorySize           *int `json:"PasswordHistorySize,omitempty"`
	TemporaryPasswordValidityDays int  `json:"TemporaryPasswordValidityDays"`
}

// passwordPolicyInput is the policy as a request gives it.
type passwordPolicyInput struct {
	MinimumLength                 *int  `json:"MinimumLength"`
	RequireUppercase              *bool `json:"RequireUppercase"`
	RequireLowercase              *bool `json:"RequireLowercase"`
	RequireNumbers                *bool `json:"RequireNumbers"`
	RequireSymbols                *bool `json:"RequireSymbols"`
	PasswordHistorySize           *int  `json:"PasswordHistorySize"`
	TemporaryPasswordValidityDays *int  `json:"TemporaryPasswordValidityDays"`
}

// UserPoolDescriptionType is one entry of ListUserPools.
type UserPoolDescriptionType struct {
	Id               string         `json:"Id"`
	Name             string         `json:"Name"`
	LambdaConfig     map[string]any `json:"LambdaConfig"`
	Status           string         `json:"Status,omitempty"`
	LastModifiedDate *awsjson.Time  `json:"LastModifiedDate,omitempty"`
	CreationDate     *awsjson.Time  `json:"CreationDate,omitempty"`
	ReplicaRegions   []string       `json:"ReplicaRegions,omitempty"`
}

// IdentityProviderType is an identity provider.
type IdentityProviderType struct {
	UserPoolId       string            `json:"UserPoolId"`
	ProviderName     string            `json:"ProviderName"`
	ProviderType     string            `json:"ProviderType"`
	ProviderDetails  map[string]string `json:"ProviderDetails"`
	AttributeMapping map[string]string `json:"AttributeMapping"`
	IdpIdentifiers   []string          `json:"IdpIdentifiers"`
	LastModifiedDate *awsjson.Time     `json:"LastModifiedDate,omitempty"`
	CreationDate     *awsjson.Time     `json:"CreationDate,omitempty"`
}

// ProviderDescription is one entry of ListIdentityProviders.
type ProviderDescription struct {
	ProviderName     string        `json:"ProviderName"`
	ProviderType     string        `json:"ProviderType"`
	LastModifiedDate *awsjson.Time `json:"LastModifiedDate,omitempty"`
	CreationDate     *awsjson.Time `json:"CreationDate,omitempty"`
}

// TokenValidityUnitsType gives the units of a client's token validities.
type TokenValidityUnitsType struct {
	AccessToken  string `json:"AccessToken,omitempty"`
	IdToken      string `json:"IdToken,omitempty"`
	RefreshToken string `json:"RefreshToken,omitempty"`
}

// UserPoolClientType is an app client.
type UserPoolClientType struct {
	UserPoolId                               string                  `json:"UserPoolId"`
	ClientName                               string                  `json:"ClientName"`
	ClientId                                 string                  `json:"ClientId"`
	ClientSecret                             string                  `json:"ClientSecret,omitempty"`
	LastModifiedDate                         *awsjson.Time           `json:"LastModifiedDate,omitempty"`
	CreationDate                             *awsjson.Time           `json:"CreationDate,omitempty"`
	RefreshTokenValidity                     int                     `json:"RefreshTokenValidity"`
	AccessTokenValidity                      int                     `json:"AccessTokenValidity"`
	IdTokenValidity                          int                     `json:"IdTokenValidity"`
	TokenValidityUnits                       *TokenValidityUnitsType `json:"TokenValidityUnits,omitempty"`
	ReadAttributes                           []string                `json:"ReadAttributes,omitempty"`
	WriteAttributes                          []string                `json:"WriteAttributes,omitempty"`
	ExplicitAuthFlows                        []string                `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders               []string                `json:"SupportedIdentityProviders,omitempty"`
	CallbackURLs                             []string                `json:"CallbackURLs,omitempty"`
	LogoutURLs                               []string                `json:"LogoutURLs,omitempty"`
	DefaultRedirectURI                       string                  `json:"DefaultRedirectURI,omitempty"`
	AllowedOAuthFlows                        []string                `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes                       []string                `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient          bool                    `json:"AllowedOAuthFlowsUserPoolClient"`
	AnalyticsConfiguration                   map[string]any          `json:"AnalyticsConfiguration,omitempty"`
	PreventUserExistenceErrors               string                  `json:"PreventUserExistenceErrors,omitempty"`
	EnableTokenRevocation                    bool                    `json:"EnableTokenRevocation"`
	EnablePropagateAdditionalUserContextData bool                    `json:"EnablePropagateAdditionalUserContextData"`
	AuthSessionValidity                      int                     `json:"AuthSessionValidity"`
	RefreshTokenRotation                     map[string]any          `json:"RefreshTokenRotation,omitempty"`
	// Secrets are the client's secrets (see client_secrets.go); kept, not
	// answered.
	Secrets []clientSecret `json:"cognitod:Secrets,omitempty"`
}

// UserPoolClientDescription is one entry of ListUserPoolClients.
type UserPoolClientDescription struct {
	ClientId   string `json:"ClientId"`
	UserPoolId string `json:"UserPoolId"`
	ClientName string `json:"ClientName"`
}
