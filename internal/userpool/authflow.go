package userpool

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/storage"
)

var (
	errBadCredentials = apierr.New(apierr.NotAuthorized, "Incorrect username or password.")
	errUserDisabled   = apierr.New(apierr.NotAuthorized, "User is disabled.")
	errBadSession     = apierr.New(apierr.NotAuthorized, "Invalid session for the user, session is expired.")
	errResetRequired  = apierr.New(apierr.PasswordResetRequired, "Password reset required for the user")
)

// clientFor finds an app client and its pool (client ids are unique, so an
// unsigned call needs nothing else). poolID, when given, must match.
func (s *Service) clientFor(ctx context.Context, clientID, poolID string) (*pool, *UserPoolClientType, error) {
	c, err := s.store.GetClient(ctx, clientID)
	if isNotFound(err) || err == nil && poolID != "" && c.PoolID != poolID {
		return nil, nil, clientNotFound(clientID)
	}
	if err != nil {
		return nil, nil, err
	}
	p, err := s.getPool(ctx, c.PoolID)
	if err != nil {
		return nil, nil, err
	}
	client, err := decodeClient(c)
	if err != nil {
		return nil, nil, err
	}
	return p, client, nil
}

// checkSecretHash enforces SECRET_HASH for clients that have a secret. Any
// of names (username, alias, sub) may have been hashed.
func checkSecretHash(c *UserPoolClientType, given string, names ...string) error {
	if c.ClientSecret == "" {
		return nil
	}
	if given == "" {
		return apierr.New(apierr.NotAuthorized, "Client %s is configured with secret but SECRET_HASH was not received", c.ClientId)
	}
	for _, sec := range c.secrets() {
		for _, n := range names {
			if n != "" && subtle.ConstantTimeCompare([]byte(auth.SecretHash(sec.Value, n, c.ClientId)), []byte(given)) == 1 {
				return nil
			}
		}
	}
	return apierr.New(apierr.NotAuthorized, "Unable to verify secret hash for client %s", c.ClientId)
}

// flowAllowed maps an auth flow to the ExplicitAuthFlows that allow it.
func flowAllowed(c *UserPoolClientType, flow string) bool {
	allowed := map[string][]string{
		"USER_PASSWORD_AUTH":       {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"},
		"ADMIN_USER_PASSWORD_AUTH": {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
		"ADMIN_NO_SRP_AUTH":        {"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"},
		"USER_SRP_AUTH":            {"ALLOW_USER_SRP_AUTH"},
		"REFRESH_TOKEN_AUTH":       {"ALLOW_REFRESH_TOKEN_AUTH"},
		"REFRESH_TOKEN":            {"ALLOW_REFRESH_TOKEN_AUTH"},
		"CUSTOM_AUTH":              {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"},
		"USER_AUTH":                {"ALLOW_USER_AUTH"},
	}[flow]
	legacy := true
	for _, f := range c.ExplicitAuthFlows {
		if strings.HasPrefix(f, "ALLOW_") {
			legacy = false
		}
		if contains(allowed, f) {
			return true
		}
	}
	// Legacy clients always allow SRP and refresh.
	return legacy && (flow == "USER_SRP_AUTH" || strings.HasPrefix(flow, "REFRESH_TOKEN"))
}

// InitiateAuthInput is the InitiateAuth request (and, with UserPoolId,
// AdminInitiateAuth's).
type InitiateAuthInput struct {
	UserPoolId     string
	ClientId       string
	AuthFlow       string
	AuthParameters map[string]string
	ClientMetadata map[string]string
}

// InitiateAuth starts a sign-in from a client.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
func (s *Service) InitiateAuth(ctx context.Context, in *InitiateAuthInput) (map[string]any, error) {
	if strings.HasPrefix(in.AuthFlow, "ADMIN_") {
		return nil, apierr.Invalid("Initiate Auth method not supported.")
	}
	in.UserPoolId = ""
	return s.initiate(ctx, in)
}

// AdminInitiateAuth starts a sign-in from a trusted back end.
func (s *Service) AdminInitiateAuth(ctx context.Context, in *InitiateAuthInput) (map[string]any, error) {
	if in.AuthFlow == "USER_PASSWORD_AUTH" {
		return nil, apierr.Invalid("Initiate Auth method not supported.")
	}
	if _, err := s.getPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	return s.initiate(ctx, in)
}

func (s *Service) initiate(ctx context.Context, in *InitiateAuthInput) (map[string]any, error) {
	p, c, err := s.clientFor(ctx, in.ClientId, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	switch in.AuthFlow {
	case "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "CUSTOM_AUTH", "USER_AUTH":
	default:
		return nil, apierr.Invalid("1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set", in.AuthFlow)
	}
	if !flowAllowed(c, in.AuthFlow) {
		return nil, apierr.Invalid("%s flow not enabled for this client", in.AuthFlow)
	}
	params := in.AuthParameters
	if strings.HasPrefix(in.AuthFlow, "REFRESH_TOKEN") {
		return s.refresh(ctx, p, c, params)
	}
	username := params["USERNAME"]
	if username == "" {
		return nil, apierr.Invalid("Missing required parameter USERNAME")
	}
	if err := checkSecretHash(c, params["SECRET_HASH"], username); err != nil {
		return nil, err
	}
	if err := s.refuseBlocked(ctx, p, c.ClientId, func() storage.User { u, _ := s.findUser(ctx, p, username); return u }); err != nil {
		return nil, err
	}
	if in.AuthFlow == "USER_AUTH" {
		return s.startUserAuth(ctx, p, c, username, params)
	}
	if in.AuthFlow == "CUSTOM_AUTH" {
		return s.startCustomAuth(ctx, p, c, username, params, in.ClientMetadata)
	}
	if in.AuthFlow == "USER_SRP_AUTH" {
		return s.startSRP(ctx, p, c, username, params["SRP_A"], params["DEVICE_KEY"])
	}
	password := params["PASSWORD"]
	if password == "" {
		return nil, apierr.Invalid("Missing required parameter PASSWORD")
	}
	u, err := s.findUser(ctx, p, username)
	if ae, ok := apierr.As(err); ok && ae.Code == apierr.UserNotFound {
		if migrated, ok, merr := s.migrateUser(ctx, p, c, username, password); merr != nil {
			return nil, s.userExistenceError(c, merr)
		} else if ok {
			u, err = migrated, nil
		}
	}
	if err != nil {
		return nil, s.userExistenceError(c, err)
	}
	if err := s.preAuthentication(ctx, p, c, &u, in.ClientMetadata); err != nil {
		return nil, err
	}
	if !checkPassword(u.Password, password) {
		return nil, s.signInFailed(ctx, p, c.ClientId, u.Sub, errBadCredentials, "Password")
	}
	return s.afterPassword(ctx, p, c, u, params["DEVICE_KEY"])
}

// userExistenceError hides a missing user when the client prevents
// user-existence errors.
func (s *Service) userExistenceError(c *UserPoolClientType, err error) error {
	if ae, ok := apierr.As(err); ok && ae.Code == apierr.UserNotFound && c.PreventUserExistenceErrors == "ENABLED" {
		return errBadCredentials
	}
	return err
}

// challengeState is sealed into a challenge's Session.
type challengeState struct {
	Pool     string `json:"pool"`
	Client   string `json:"client"`
	Sub      string `json:"sub"`
	Username string `json:"username"`
	Name     string `json:"challenge"`
	// DeviceKey is the device the sign-in named (DEVICE_KEY).
	DeviceKey string `json:"deviceKey,omitempty"`
}

// afterPassword runs once a password (or SRP proof) is right: the user's
// state decides between an error, a challenge and tokens. device is the
// device the sign-in named, if any.
func (s *Service) afterPassword(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, device string) (map[string]any, error) {
	return s.afterPasswordBy(ctx, p, c, u, device, "")
}

// afterPasswordBy is afterPassword whose tokens, if issued at once, are
// made for the PreTokenGeneration triggerSource source.
func (s *Service) afterPasswordBy(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, device, source string) (map[string]any, error) {
	if u.Enabled && extraOf(&u).PasswordSignInDisabled {
		return nil, errBadCredentials
	}
	if err := passwordlessAllowed(&u); err != nil {
		return nil, err
	}
	switch u.Status {
	case StatusResetRequired:
		return nil, errResetRequired
	case StatusForceChangePassword:
		rec := passwordOf(u.Password)
		days := p.Policy.TemporaryPasswordValidityDays
		if days > 0 && s.now().UnixMilli() > rec.Set+int64(days)*86400000 {
			return nil, apierr.New(apierr.NotAuthorized, "Temporary password has expired and must be reset by an administrator.")
		}
		return s.challenge(p, c, u, device, "NEW_PASSWORD_REQUIRED", map[string]string{
			"USER_ID_FOR_SRP":    u.Username,
			"requiredAttributes": "[]",
			"userAttributes":     userAttributesJSON(&u),
		})
	}
	if rememberedDevice(p, &u, device) {
		return s.challenge(p, c, u, device, "DEVICE_SRP_AUTH", map[string]string{"USERNAME": u.Username, "DEVICE_KEY": device})
	}
	if out, asked, err := s.mfaChallenge(ctx, p, c, u, device); asked || err != nil {
		return out, err
	}
	return s.signedInBy(ctx, p, c, u, device, source)
}

// signedIn ends a sign-in whose every step passed: the device its tokens
// speak for, the PostAuthentication trigger, then tokens.
func (s *Service) signedIn(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, device string) (map[string]any, error) {
	return s.signedInBy(ctx, p, c, u, device, "")
}

// signedInBy is signedIn with the PreTokenGeneration triggerSource
// (TokenGeneration_*; "" is TokenGeneration_Authentication).
func (s *Service) signedInBy(ctx context.Context, p *pool, c *UserPoolClientType, u storage.User, device, source string) (map[string]any, error) {
	device, newDevice, err := s.deviceOfSignIn(ctx, p, &u, device)
	if err != nil {
		return nil, err
	}
	if err := s.postAuthentication(ctx, p, c, &u, newDevice != nil); err != nil {
		return nil, err
	}
	res, err := s.issue(ctx, &session{pool: p, client: c, user: u, authTime: s.now().UTC(), device: device, source: source}, true)
	if err != nil {
		return nil, err
	}
	res.NewDeviceMetadata = newDevice
	if err := s.recordAuthEvent(ctx, p, c.ClientId, u.Sub, "SignIn", "Pass", [2]string{"Password", "Success"}); err != nil {
		return nil, err
	}
	return map[string]any{"AuthenticationResult": res, "ChallengeParameters": map[string]string{}}, nil
}

func userAttributesJSON(u *storage.User) string {
	m := map[string]string{}
	for _, a := range u.Attributes {
		if a.Name != "email_verified" && a.Name != "phone_number_verified" {
			m[a.Name] = a.Value
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func (s *Service) challenge(p *pool, c *UserPoolClientType, u storage.User, device, name string, params map[string]string) (map[string]any, error) {
	ttl := time.Duration(c.AuthSessionValidity) * time.Minute
	sess, err := s.sealer.Seal("session", s.now().Add(ttl), challengeState{Pool: p.ID, Client: c.ClientId, Sub: u.Sub, Username: u.Username, Name: name, DeviceKey: device})
	if err != nil {
		return nil, err
	}
	return map[string]any{"ChallengeName": name, "Session": sess, "ChallengeParameters": params}, nil
}

// openChallenge opens the session a challenge named name gave, for the
// pool and client it was given in.
func (s *Service) openChallenge(p *pool, c *UserPoolClientType, sess, name string) (challengeState, error) {
	var st challengeState
	if err := s.sealer.Open("session", sess, s.now(), &st); err != nil || st.Pool != p.ID || st.Client != c.ClientId || st.Name != name {
		return st, errBadSession
	}
	return st, nil
}

// srpState is sealed into SECRET_BLOCK.
type srpState struct {
	Pool     string `json:"pool"`
	Client   string `json:"client"`
	Sub      string `json:"sub"`
	Username string `json:"username"`
	A        string `json:"A"`
	B        string `json:"B"`
	Secret   string `json:"b"`
	Fake     bool   `json:"fake,omitempty"`
	// Device is the device the sign-in named; in a device's own exchange
	// (sealed for purpose srpDevice), the device being proven.
	Device string `json:"device,omitempty"`
	// Custom is the Session of the CUSTOM_AUTH flow that asked for the
	// password, if one did.
	Custom string `json:"custom,omitempty"`
}

// Purposes of a sealed SECRET_BLOCK: a user's password exchange, and a
// device's, which cannot stand in for each other.
const (
	srpUser   = "srp"
	srpDevice = "device-srp"
)

func (s *Service) startSRP(ctx context.Context, p *pool, c *UserPoolClientType, username, srpA, device string) (map[string]any, error) {
	if srpA == "" {
		return nil, apierr.Invalid("Missing required parameter SRP_A")
	}
	st := srpState{Pool: p.ID, Client: c.ClientId, A: srpA, Device: device}
	u, err := s.findUser(ctx, p, username)
	var v auth.Verifier
	switch {
	case err == nil && passwordOf(u.Password).SRP != nil:
		v = *passwordOf(u.Password).SRP
		st.Sub, st.Username = u.Sub, u.Username
	case err == nil || c.PreventUserExistenceErrors == "ENABLED":
		if e, ok := apierr.As(err); err != nil && (!ok || e.Code != apierr.UserNotFound) {
			return nil, err
		}
		// Answer like a real user would be answered; the proof will fail.
		v = auth.NewVerifier(p.ID, username, hex.EncodeToString(randomBytes(16)))
		st.Fake, st.Username = true, username
	default:
		return nil, err
	}
	return s.srpChallenge(srpUser, st, v, "PASSWORD_VERIFIER")
}

// srpChallenge makes the server's half of an SRP exchange against v and
// answers it as challenge name, the exchange's state sealed (for purpose)
// into SECRET_BLOCK.
func (s *Service) srpChallenge(purpose string, st srpState, v auth.Verifier, name string) (map[string]any, error) {
	step, err := auth.Start(v)
	if err != nil {
		return nil, err
	}
	st.B, st.Secret = step.B, step.Secret()
	block, err := s.sealer.Seal(purpose, s.now().Add(5*time.Minute), st)
	if err != nil {
		return nil, err
	}
	// SECRET_BLOCK travels as base64 and is signed by the client as bytes.
	return map[string]any{
		"ChallengeName": name,
		"ChallengeParameters": map[string]string{
			"SALT": v.Salt, "SRP_B": step.B, "SECRET_BLOCK": toStdBase64(block),
			"USERNAME": st.Username, "USER_ID_FOR_SRP": st.Username,
		},
	}, nil
}

// openSRPAnswer checks the common part of a PASSWORD_VERIFIER or
// DEVICE_PASSWORD_VERIFIER answer and opens the exchange it answers.
func (s *Service) openSRPAnswer(purpose string, p *pool, c *UserPoolClientType, r map[string]string) (srpState, error) {
	var st srpState
	for _, k := range []string{"PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP", "USERNAME"} {
		if r[k] == "" {
			return st, apierr.Invalid("Missing required parameter %s", k)
		}
	}
	if err := s.sealer.Open(purpose, fromStdBase64(r["PASSWORD_CLAIM_SECRET_BLOCK"]), s.now(), &st); err != nil || st.Pool != p.ID || st.Client != c.ClientId {
		return st, errBadSession
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return st, err
	}
	ts, err := auth.ParseTimestamp(r["TIMESTAMP"])
	if err != nil {
		return st, apierr.Invalid("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
	}
	if d := s.now().Sub(ts); d > 5*time.Minute || d < -5*time.Minute {
		return st, errBadCredentials
	}
	return st, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
