package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is the `__type` of an error answer, exactly as the SDKs expect it.
type Code string

// Codes of the cognito-idp model, plus the protocol-level codes the AWS front
// door answers with (signature, serialization, unknown operation).
const (
	AliasExists                  Code = "AliasExistsException"
	CodeDeliveryFailure          Code = "CodeDeliveryFailureException"
	CodeMismatch                 Code = "CodeMismatchException"
	ConcurrentModification       Code = "ConcurrentModificationException"
	DuplicateProvider            Code = "DuplicateProviderException"
	EnableSoftwareTokenMFA       Code = "EnableSoftwareTokenMFAException"
	ExpiredCode                  Code = "ExpiredCodeException"
	FeatureUnavailableInTier     Code = "FeatureUnavailableInTierException"
	GroupExists                  Code = "GroupExistsException"
	InternalError                Code = "InternalErrorException"
	InvalidLambdaResponse        Code = "InvalidLambdaResponseException"
	InvalidOAuthFlow             Code = "InvalidOAuthFlowException"
	InvalidParameter             Code = "InvalidParameterException"
	InvalidPassword              Code = "InvalidPasswordException"
	InvalidUserPoolConfig        Code = "InvalidUserPoolConfigurationException"
	LimitExceeded                Code = "LimitExceededException"
	MFAMethodNotFound            Code = "MFAMethodNotFoundException"
	NotAuthorized                Code = "NotAuthorizedException"
	PasswordResetRequired        Code = "PasswordResetRequiredException"
	PreconditionNotMet           Code = "PreconditionNotMetException"
	RefreshTokenReuse            Code = "RefreshTokenReuseException"
	ResourceNotFound             Code = "ResourceNotFoundException"
	ScopeDoesNotExist            Code = "ScopeDoesNotExistException"
	ServiceQuotaExceeded         Code = "ServiceQuotaExceededException"
	SoftwareTokenMFANotFound     Code = "SoftwareTokenMFANotFoundException"
	TermsExists                  Code = "TermsExistsException"
	ManagedLoginBrandingExists   Code = "ManagedLoginBrandingExistsException"
	TooManyRequests              Code = "TooManyRequestsException"
	UnexpectedLambda             Code = "UnexpectedLambdaException"
	UnsupportedIdentityProvider  Code = "UnsupportedIdentityProviderException"
	UnsupportedOperation         Code = "UnsupportedOperationException"
	UnsupportedTokenType         Code = "UnsupportedTokenTypeException"
	UnsupportedUserState         Code = "UnsupportedUserStateException"
	UserLambdaValidation         Code = "UserLambdaValidationException"
	UserNotConfirmed             Code = "UserNotConfirmedException"
	UserNotFound                 Code = "UserNotFoundException"
	UserPoolTagging              Code = "UserPoolTaggingException"
	UserPoolAddOnNotEnabled      Code = "UserPoolAddOnNotEnabledException"
	UsernameExists               Code = "UsernameExistsException"
	WebAuthnChallengeNotFound    Code = "WebAuthnChallengeNotFoundException"
	WebAuthnConfigMissing        Code = "WebAuthnConfigurationMissingException"
	WebAuthnCredentialNotSupp    Code = "WebAuthnCredentialNotSupportedException"
	WebAuthnNotEnabled           Code = "WebAuthnNotEnabledException"
	WebAuthnOriginNotAllowed     Code = "WebAuthnOriginNotAllowedException"
	WebAuthnRelyingPartyMismatch Code = "WebAuthnRelyingPartyMismatchException"

	// Protocol-level codes answered before an operation runs.
	IncompleteSignature        Code = "IncompleteSignatureException"
	InvalidSignature           Code = "InvalidSignatureException"
	MissingAuthenticationToken Code = "MissingAuthenticationTokenException"
	UnrecognizedClient         Code = "UnrecognizedClientException"
	Serialization              Code = "SerializationException"
	UnknownOperation           Code = "UnknownOperationException"
	RequestEntityTooLarge      Code = "RequestEntityTooLargeException"
	InvalidAction              Code = "InvalidActionException"
)

// statusOf maps every code to the HTTP status cognitod answers with. The live
// service answers 400 for every client error, even where the model's
// httpError trait says 403, 404 or 429; only server faults answer 500.
var statusOf = map[Code]int{
	AliasExists:                  http.StatusBadRequest,
	CodeDeliveryFailure:          http.StatusBadRequest,
	CodeMismatch:                 http.StatusBadRequest,
	ConcurrentModification:       http.StatusBadRequest,
	DuplicateProvider:            http.StatusBadRequest,
	EnableSoftwareTokenMFA:       http.StatusBadRequest,
	ExpiredCode:                  http.StatusBadRequest,
	FeatureUnavailableInTier:     http.StatusBadRequest,
	GroupExists:                  http.StatusBadRequest,
	InternalError:                http.StatusInternalServerError,
	InvalidLambdaResponse:        http.StatusBadRequest,
	InvalidOAuthFlow:             http.StatusBadRequest,
	InvalidParameter:             http.StatusBadRequest,
	InvalidPassword:              http.StatusBadRequest,
	InvalidUserPoolConfig:        http.StatusBadRequest,
	LimitExceeded:                http.StatusBadRequest,
	MFAMethodNotFound:            http.StatusBadRequest,
	NotAuthorized:                http.StatusBadRequest,
	PasswordResetRequired:        http.StatusBadRequest,
	PreconditionNotMet:           http.StatusBadRequest,
	RefreshTokenReuse:            http.StatusBadRequest,
	ResourceNotFound:             http.StatusBadRequest,
	ScopeDoesNotExist:            http.StatusBadRequest,
	ServiceQuotaExceeded:         http.StatusBadRequest,
	SoftwareTokenMFANotFound:     http.StatusBadRequest,
	TermsExists:                  http.StatusBadRequest,
	ManagedLoginBrandingExists:   http.StatusBadRequest,
	TooManyRequests:              http.StatusBadRequest,
	UnexpectedLambda:             http.StatusBadRequest,
	UnsupportedIdentityProvider:  http.StatusBadRequest,
	UnsupportedOperation:         http.StatusBadRequest,
	UnsupportedTokenType:         http.StatusBadRequest,
	UnsupportedUserState:         http.StatusBadRequest,
	UserLambdaValidation:         http.StatusBadRequest,
	UserNotConfirmed:             http.StatusBadRequest,
	UserNotFound:                 http.StatusBadRequest,
	UserPoolTagging:              http.StatusBadRequest,
	UserPoolAddOnNotEnabled:      http.StatusBadRequest,
	UsernameExists:               http.StatusBadRequest,
	WebAuthnChallengeNotFound:    http.StatusBadRequest,
	WebAuthnConfigMissing:        http.StatusBadRequest,
	WebAuthnCredentialNotSupp:    http.StatusBadRequest,
	WebAuthnNotEnabled:           http.StatusBadRequest,
	WebAuthnOriginNotAllowed:     http.StatusBadRequest,
	WebAuthnRelyingPartyMismatch: http.StatusBadRequest,
	IncompleteSignature:          http.StatusBadRequest,
	InvalidSignature:             http.StatusBadRequest,
	MissingAuthenticationToken:   http.StatusBadRequest,
	UnrecognizedClient:           http.StatusBadRequest,
	Serialization:                http.StatusBadRequest,
	UnknownOperation:             http.StatusBadRequest,
	RequestEntityTooLarge:        http.StatusRequestEntityTooLarge,
	InvalidAction:                http.StatusBadRequest,
}

// Codes lists every code of the table (tests check each decodes in the SDK).
func Codes() []Code {
	out := make([]Code, 0, len(statusOf))
	for c := range statusOf {
		out = append(out, c)
	}
	return out
}

// Status is the HTTP status of a code; an unknown code is a server fault.
func (c Code) Status() int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is a Cognito error answer.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// New makes an error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// As returns the *Error inside err, if there is one.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Invalid is shorthand for InvalidParameterException.
func Invalid(format string, args ...any) *Error { return New(InvalidParameter, format, args...) }

// Msg makes an error whose message is taken as it is.
func Msg(code Code, message string) *Error { return &Error{Code: code, Message: message} }
