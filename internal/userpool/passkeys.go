package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// Passkeys (WebAuthn): a signed-in user registers an authenticator
// (StartWebAuthnRegistration, then CompleteWebAuthnRegistration with the
// browser's answer) and, in a pool whose SignInPolicy allows WEB_AUTHN,
// signs in with it as a first factor of the USER_AUTH flow (the WEB_AUTHN
// challenge). The ceremonies' checks are go-webauthn's; what is Cognito's
// is where the relying party is, which origins may use it, and how the
// ceremonies ride on the API.
//
// The relying party is the pool's WebAuthnConfiguration.RelyingPartyId, or
// else the pool's domain. An origin may use it when its host is the
// relying party or one of its subdomains, over HTTPS (or HTTP for
// localhost). A ceremony's state is kept as a one-time record under its
// challenge, which the browser's answer carries back.

const (
	maxPasskeys     = 20
	passkeyTimeout  = 5 * time.Minute
	factorWebAuthn  = "WEB_AUTHN"
	passkeyRegistry = "webauthn-registration\x00"
	passkeyLogin    = "webauthn-login\x00"
)

var (
	errPasskeysOff     = apierr.New(apierr.WebAuthnNotEnabled, "WebAuthn is not enabled for this user pool: allow WEB_AUTHN in the pool's SignInPolicy.")
	errNoRelyingParty  = apierr.New(apierr.WebAuthnConfigMissing, "WebAuthn configuration is missing: set a RelyingPartyId with SetUserPoolMfaConfig, or give the pool a domain.")
	errPasskeyUnknown  = apierr.New(apierr.WebAuthnChallengeNotFound, "The challenge of this credential was not found or has expired.")
	errPasskeyOrigin   = apierr.New(apierr.WebAuthnOriginNotAllowed, "The origin of this credential is not allowed for the user pool's relying party.")
	errPasskeyRP       = apierr.New(apierr.WebAuthnRelyingPartyMismatch, "The credential was made for another relying party.")
	errPasskeyNotFound = apierr.New(apierr.ResourceNotFound, "Credential does not exist.")
)

// passkeyRecord is one of a user's registered authenticators.
type passkeyRecord struct {
	Seq        int64               `json:"seq"`
	Credential webauthn.Credential `json:"credential"`
	RPID       string              `json:"rpId"`
	Created    int64               `json:"created"` // ms
}

func (r *passkeyRecord) id() string { return base64.RawURLEncoding.EncodeToString(r.Credential.ID) }

// passkeyUser is a user as go-webauthn sees it: its sub is its handle.
type passkeyUser struct {
	u    *storage.User
	keys []passkeyRecord
}

func (p passkeyUser) WebAuthnID() []byte          { return []byte(p.u.Sub) }
func (p passkeyUser) WebAuthnName() string        { return p.u.Username }
func (p passkeyUser) WebAuthnDisplayName() string { return p.u.Username }
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(p.keys))
	for i, k := range p.keys {
		out[i] = k.Credential
	}
	return out
}

// webAuthnSettings is the pool's WebAuthnConfiguration.
func (p *pool) webAuthnSettings() (rpID, userVerification string) {
	var c struct{ RelyingPartyId, UserVerification string }
	_ = jsonInto(p.mfa.WebAuthnConfiguration, &c)
	if c.UserVerification == "" {
		c.UserVerification = "preferred"
	}
	return c.RelyingPartyId, c.UserVerification
}

// relyingParty answers the pool's relying party and the webauthn ceremony
// runner for it (origin: the one a browser's answer came from, checked).
func (s *Service) relyingParty(ctx context.Context, p *pool, origin string) (*webauthn.WebAuthn, protocol.UserVerificationRequirement, error) {
	if !slices.Contains(p.firstFactors, factorWebAuthn) {
		return nil, "", errPasskeysOff
	}
	rpID, uv := p.webAuthnSettings()
	if rpID == "" {
		domains, err := s.store.DomainsOf(ctx, p.ID)
		if err != nil {
			return nil, "", err
		}
		for _, d := range domains {
			var cfg DomainInput
			_ = json.Unmarshal(d.Config, &cfg)
			if cfg.CustomDomainConfig != nil {
				rpID = d.Domain
			} else if rpID == "" {
				rpID = d.Domain + ".auth." + p.Region + ".amazoncognito.com"
			}
		}
	}
	if rpID == "" {
		return nil, "", errNoRelyingParty
	}
	if origin == "" {
		origin = "https://" + rpID
	} else if !originAllowed(rpID, origin) {
		return nil, "", errPasskeyOrigin
	}
	w, err := webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: rpID, RPOrigins: []string{origin},
		Timeouts: webauthn.TimeoutsConfig{Login: webauthn.TimeoutConfig{Enforce: true, Timeout: passkeyTimeout},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: passkeyTimeout}}})
	return w, protocol.UserVerificationRequirement(uv), err
}

// originAllowed: the relying party's host or a subdomain, over HTTPS; or
// a local address over HTTP when the relying party is localhost.
func originAllowed(rpID, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Path != "" && u.Path != "/" {
		return false
	}
	host := u.Hostname()
	sameSite := host == rpID || strings.HasSuffix(host, "."+rpID)
	return sameSite && (u.Scheme == "https" || u.Scheme == "http" && rpID == "localhost")
}

// passkeyCeremony is a ceremony's state between its start and the
// browser's answer.
type passkeyCeremony struct {
	Pool    string               `json:"pool"`
	Sub     string               `json:"sub"`
	Session webauthn.SessionData `json:"session"`
}

func (s *Service) keepCeremony(ctx context.Context, kind string, p *pool, sub string, sd *webauthn.SessionData) error {
	raw, err := json.Marshal(passkeyCeremony{Pool: p.ID, Sub: sub, Session: *sd})
	if err != nil {
		return err
	}
	return s.putOneTime(ctx, p.ID, hashToken(kind+sd.Challenge), raw, s.now().Add(passkeyTimeout))
}

// takeCeremony takes the state of the ceremony a browser's answer is to,
// if it is the user's.
func (s *Service) takeCeremony(ctx context.Context, kind string, p *pool, sub, challenge string) (*webauthn.SessionData, error) {
	raw, ok, err := s.takeOneTime(ctx, hashToken(kind+challenge))
	if err != nil {
		return nil, err
	}
	var c passkeyCeremony
	if !ok || json.Unmarshal(raw, &c) != nil || c.Pool != p.ID || c.Sub != sub {
		return nil, errPasskeyUnknown
	}
	return &c.Session, nil
}

// passkeyError turns a failed ceremony check into Cognito's error.
func passkeyError(err error) error {
	var pe *protocol.Error
	if errors.As(err, &pe) && strings.Contains(strings.ToLower(pe.DevInfo+pe.Details), "rp hash") {
		return errPasskeyRP
	}
	return apierr.New(apierr.WebAuthnCredentialNotSupp, "The credential could not be verified.")
}

// StartWebAuthnRegistration begins registering a passkey for the signed-in
// user: it answers the options for the browser's navigator.credentials.create.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_StartWebAuthnRegistration.html
func (s *Service) StartWebAuthnRegistration(ctx context.Context, in *AccessTokenInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	options, err := s.beginPasskeyRegistration(ctx, c.pool, &c.user)
	if err != nil {
		return nil, err
	}
	return map[string]any{"CredentialCreationOptions": options}, nil
}

// beginPasskeyRegistration answers the options of a new passkey for u, for
// the browser's navigator.credentials.create, and keeps the ceremony.
func (s *Service) beginPasskeyRegistration(ctx context.Context, p *pool, u *storage.User) (any, error) {
	w, uv, err := s.relyingParty(ctx, p, "")
	if err != nil {
		return nil, err
	}
	keys := extraOf(u).Passkeys
	if len(keys) >= maxPasskeys {
		return nil, apierr.New(apierr.LimitExceeded, "A user can register at most %d passkeys.", maxPasskeys)
	}
	user := passkeyUser{u: u, keys: keys}
	creation, sd, err := w.BeginRegistration(user, webauthn.WithExclusions(webauthn.Credentials(user.WebAuthnCredentials()).CredentialDescriptors()),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired,
			RequireResidentKey: protocol.ResidentKeyRequired(), UserVerification: uv}),
		webauthn.WithExtensions(webauthn.WithExtensionCredProps()))
	if err != nil {
		return nil, err
	}
	if err := s.keepCeremony(ctx, passkeyRegistry, p, u.Sub, sd); err != nil {
		return nil, err
	}
	return creation.Response, nil
}

// CompleteWebAuthnRegistration checks the browser's answer to a
// registration and keeps the passkey.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CompleteWebAuthnRegistration.html
func (s *Service) CompleteWebAuthnRegistration(ctx context.Context, in *struct {
	AccessToken string
	Credential  json.RawMessage
}) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := s.finishPasskeyRegistration(ctx, c.pool, &c.user, in.Credential); err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// finishPasskeyRegistration checks the browser's answer to u's
// registration ceremony and keeps the passkey.
func (s *Service) finishPasskeyRegistration(ctx context.Context, p *pool, u *storage.User, credential []byte) error {
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return apierr.Invalid("Credential is not a WebAuthn registration response (RegistrationResponseJSON).")
	}
	sd, err := s.takeCeremony(ctx, passkeyRegistry, p, u.Sub, parsed.Response.CollectedClientData.Challenge)
	if err != nil {
		return err
	}
	w, _, err := s.relyingParty(ctx, p, parsed.Response.CollectedClientData.Origin)
	if err != nil {
		return err
	}
	cred, err := w.CreateCredential(passkeyUser{u: u, keys: extraOf(u).Passkeys}, *sd, parsed)
	if err != nil {
		return passkeyError(err)
	}
	cred.Attestation = webauthn.CredentialAttestation{} // not kept: no metadata service checks it later
	now := s.clock().UnixMilli()
	_, err = s.editExtra(ctx, p.ID, u.Sub, func(_ *storage.User, x *userExtra) error {
		var seq int64
		for _, k := range x.Passkeys {
			if string(k.Credential.ID) == string(cred.ID) {
				return apierr.Invalid("This credential is already registered.")
			}
			seq = max(seq, k.Seq)
		}
		if len(x.Passkeys) >= maxPasskeys {
			return apierr.New(apierr.LimitExceeded, "A user can register at most %d passkeys.", maxPasskeys)
		}
		x.Passkeys = append(x.Passkeys, passkeyRecord{Seq: seq + 1, Credential: *cred, RPID: w.Config.RPID, Created: now})
		return nil
	})
	return err
}

// WebAuthnCredentialDescription is a passkey as ListWebAuthnCredentials
// answers it.
type WebAuthnCredentialDescription struct {
	CredentialId            string
	FriendlyCredentialName  string
	RelyingPartyId          string
	AuthenticatorAttachment string `json:",omitempty"`
	AuthenticatorTransports []string
	CreatedAt               *awsjson.Time
}

// ListWebAuthnCredentials lists the signed-in user's passkeys.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListWebAuthnCredentials.html
func (s *Service) ListWebAuthnCredentials(ctx context.Context, in *struct {
	AccessToken string
	NextToken   string
	MaxResults  int
}) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	all := extraOf(&c.user).Passkeys
	limit := in.MaxResults
	if limit == 0 {
		limit = maxPasskeys
	}
	keys, next, err := listKept(s, "passkeys/"+c.pool.ID+"/"+c.user.Sub, in.NextToken, limit, all,
		func(k passkeyRecord) int64 { return k.Seq })
	if err != nil {
		return nil, err
	}
	list := make([]WebAuthnCredentialDescription, len(keys))
	for i, k := range keys {
		transports := make([]string, len(k.Credential.Transport))
		for j, t := range k.Credential.Transport {
			transports[j] = string(t)
		}
		list[i] = WebAuthnCredentialDescription{CredentialId: k.id(), FriendlyCredentialName: "Passkey", RelyingPartyId: k.RPID,
			AuthenticatorAttachment: string(k.Credential.Authenticator.Attachment), AuthenticatorTransports: transports, CreatedAt: msTime(k.Created)}
	}
	out := map[string]any{"Credentials": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

// DeleteWebAuthnCredential removes one of the signed-in user's passkeys.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteWebAuthnCredential.html
func (s *Service) DeleteWebAuthnCredential(ctx context.Context, in *struct{ AccessToken, CredentialId string }) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	_, err = s.editExtra(ctx, c.pool.ID, c.user.Sub, func(_ *storage.User, x *userExtra) error {
		i := slices.IndexFunc(x.Passkeys, func(k passkeyRecord) bool { return k.id() == in.CredentialId })
		if i < 0 {
			return errPasskeyNotFound
		}
		x.Passkeys = slices.Delete(x.Passkeys, i, i+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// startPasskeySignIn asks for a passkey: the WEB_AUTHN challenge, with
// the options for the browser's navigator.credentials.get.
func (s *Service) startPasskeySignIn(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, device string) (map[string]any, error) {
	options, err := s.passkeyAssertion(ctx, p, u)
	if err != nil {
		return nil, err
	}
	return s.challenge(p, c, u, device, factorWebAuthn, map[string]string{"CREDENTIAL_REQUEST_OPTIONS": string(options)})
}

// passkeyAssertion begins a passkey sign-in of u: the request options
// (PublicKeyCredentialRequestOptionsJSON) for navigator.credentials.get,
// whose challenge is kept for verifyPasskey.
func (s *Service) passkeyAssertion(ctx context.Context, p *pool, u storage.User) ([]byte, error) {
	w, uv, err := s.relyingParty(ctx, p, "")
	if err != nil {
		return nil, err
	}
	assertion, sd, err := w.BeginLogin(passkeyUser{u: &u, keys: extraOf(&u).Passkeys}, webauthn.WithUserVerification(uv))
	if err != nil {
		return nil, err
	}
	if err := s.keepCeremony(ctx, passkeyLogin, p, u.Sub, sd); err != nil {
		return nil, err
	}
	return json.Marshal(assertion.Response)
}

// answerPasskey checks the browser's answer to a WEB_AUTHN challenge and
// signs the user in (a passkey is a factor of its own: no MFA follows).
func (s *Service) answerPasskey(ctx context.Context, p *pool, c *UserPoolClientType, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openChallenge(p, c, sess, factorWebAuthn)
	if err != nil {
		return nil, err
	}
	if r["CREDENTIAL"] == "" {
		return nil, apierr.Invalid("Missing required parameter CREDENTIAL")
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	u, err := s.verifyPasskey(ctx, p, st.Sub, r["CREDENTIAL"])
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u, st.DeviceKey)
}

// verifyPasskey checks a browser's answer (AuthenticationResponseJSON) to
// the challenge passkeyAssertion kept for the user sub, once, from an
// origin of the relying party; it answers the user, whose passkey's
// signature counter is brought up to date.
func (s *Service) verifyPasskey(ctx context.Context, p *pool, sub, credential string) (storage.User, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(credential))
	if err != nil {
		return storage.User{}, apierr.Invalid("CREDENTIAL is not a WebAuthn authentication response (AuthenticationResponseJSON).")
	}
	sd, err := s.takeCeremony(ctx, passkeyLogin, p, sub, parsed.Response.CollectedClientData.Challenge)
	if err != nil {
		return storage.User{}, err
	}
	w, _, err := s.relyingParty(ctx, p, parsed.Response.CollectedClientData.Origin)
	if err != nil {
		return storage.User{}, err
	}
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: sub})
	if err != nil {
		return storage.User{}, errBadSession
	}
	if err := passwordlessAllowed(&u); err != nil {
		return storage.User{}, err
	}
	cred, err := w.ValidateLogin(passkeyUser{u: &u, keys: extraOf(&u).Passkeys}, *sd, parsed)
	if err != nil {
		return storage.User{}, errBadCredentials
	}
	return s.editExtra(ctx, p.ID, u.Sub, func(_ *storage.User, x *userExtra) error {
		for i := range x.Passkeys {
			if string(x.Passkeys[i].Credential.ID) == string(cred.ID) {
				x.Passkeys[i].Credential.Authenticator = cred.Authenticator
				x.Passkeys[i].Credential.Flags = cred.Flags
			}
		}
		return nil
	})
}
