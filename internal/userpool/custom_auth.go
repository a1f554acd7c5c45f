package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/storage"
)

// The CUSTOM_AUTH flow: the pool's DefineAuthChallenge function decides,
// from the challenges answered so far, whether to fail, to issue tokens or
// to ask another challenge; CreateAuthChallenge makes a CUSTOM_CHALLENGE
// and VerifyAuthChallengeResponse judges its answer. A flow started with
// SRP_A may ask PASSWORD_VERIFIER, which cognitod answers itself.
//
// Between two steps the flow's state is kept in storage under the hash of
// its Session, as a one-time record: a Session is answered once, so a
// client cannot try many answers to one challenge behind the function's
// back (DefineAuthChallenge sees every attempt).

var (
	errNoCustomAuth    = apierr.Invalid("Custom auth lambda trigger is not configured for the user pool.")
	errLambdaOutput    = apierr.New(apierr.InvalidLambdaResponse, "Unrecognizable lambda output")
	errCustomAuthEnded = apierr.New(apierr.NotAuthorized, "Incorrect username or password.")
)

// challengeResult is one answered challenge, as DefineAuthChallenge sees it.
type challengeResult struct {
	ChallengeName     string  `json:"challengeName"`
	ChallengeResult   bool    `json:"challengeResult"`
	ChallengeMetadata *string `json:"challengeMetadata"`
}

// customAuthState is a CUSTOM_AUTH flow between two steps.
type customAuthState struct {
	Pool         string            `json:"pool"`
	Client       string            `json:"client"`
	Sub          string            `json:"sub,omitempty"`
	Username     string            `json:"username"`
	UserNotFound bool              `json:"userNotFound,omitempty"`
	Device       string            `json:"device,omitempty"`
	SRPA         string            `json:"srpA,omitempty"`
	Session      []challengeResult `json:"session"`
	// Challenge is the one the client answers next; Private and Metadata
	// are what CreateAuthChallenge made for it.
	Challenge string            `json:"challenge"`
	Private   map[string]string `json:"private,omitempty"`
	Metadata  *string           `json:"metadata,omitempty"`
}

// customSessionKey is the storage key of a flow's Session (its hash, in a
// namespace of its own).
func customSessionKey(session string) string { return hashToken("custom-auth\x00" + session) }

// putOneTime keeps a one-time record (an authorization code, a custom
// flow's state) until expires; now and then it purges expired ones.
func (s *Service) putOneTime(ctx context.Context, poolID, key string, payload []byte, expires time.Time) error {
	now := s.now()
	if last := s.lastPurge.Load(); now.Unix()-last >= 60 && s.lastPurge.CompareAndSwap(last, now.Unix()) {
		if err := s.store.PurgeAuthCodes(ctx, now); err != nil {
			return err
		}
	}
	return s.store.CreateAuthCode(ctx, storage.AuthCode{Hash: key, PoolID: poolID, Payload: payload, Expires: expires})
}

// takeOneTime takes a record put by putOneTime, if it has not expired.
func (s *Service) takeOneTime(ctx context.Context, key string) ([]byte, bool, error) {
	ac, err := s.store.TakeAuthCode(ctx, key)
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return ac.Payload, !s.now().After(ac.Expires), nil
}

// startCustomAuth begins a CUSTOM_AUTH sign-in.
func (s *Service) startCustomAuth(ctx context.Context, p *pool, c *UserPoolClientType, username string, params, meta map[string]string) (map[string]any, error) {
	if s.lambdaARN(p, "DefineAuthChallenge") == "" {
		return nil, errNoCustomAuth
	}
	st := &customAuthState{Pool: p.ID, Client: c.ClientId, Username: username, Device: params["DEVICE_KEY"], Session: []challengeResult{}}
	u, err := s.findUser(ctx, p, username)
	switch ae, _ := apierr.As(err); {
	case err == nil:
		if err := customAuthAllowed(&u); err != nil {
			return nil, err
		}
		st.Sub, st.Username = u.Sub, u.Username
	case ae != nil && ae.Code == apierr.UserNotFound && c.PreventUserExistenceErrors == "ENABLED":
		// The functions run for a user that does not exist, as Cognito's
		// do, so that the answers do not tell; no tokens come of it.
		st.UserNotFound = true
	default:
		return nil, err
	}
	if params["SRP_A"] != "" {
		st.SRPA = params["SRP_A"]
		st.Session = append(st.Session, challengeResult{ChallengeName: "SRP_A", ChallengeResult: true})
	}
	return s.customStep(ctx, p, c, st, &u, meta)
}

// customAuthAllowed refuses users who cannot sign in at all.
func customAuthAllowed(u *storage.User) error {
	if u.Status == StatusResetRequired {
		return errResetRequired
	}
	return passwordlessAllowed(u)
}

// passwordlessAllowed refuses users who cannot sign in without a password:
// disabled, unconfirmed and federated ones. A user whose password must be
// reset (an imported one) can: its code or passkey does not need it.
func passwordlessAllowed(u *storage.User) error {
	switch {
	case !u.Enabled:
		return errUserDisabled
	case u.Status == StatusUnconfirmed:
		return apierr.New(apierr.UserNotConfirmed, "User is not confirmed.")
	case u.Status == StatusExternalProvider:
		return errBadCredentials
	}
	return nil
}

// customTrigger runs one of the flow's functions with the request every
// one of them gets, plus extra; it answers the function's response.
func (s *Service) customTrigger(ctx context.Context, p *pool, c *UserPoolClientType, st *customAuthState, u *storage.User, trigger string,
	extra map[string]any, response map[string]any, meta map[string]string) (map[string]any, error) {
	attrs := map[string]string{}
	if !st.UserNotFound {
		attrs = userAttributesForTrigger(u)
	}
	if meta == nil {
		meta = map[string]string{}
	}
	req := map[string]any{"userAttributes": attrs, "clientMetadata": meta, "userNotFound": st.UserNotFound}
	for k, v := range extra {
		req[k] = v
	}
	out, err := s.triggers.Invoke(ctx, trigger, s.lambdaARN(p, trigger), s.triggerEvent(p, trigger+"_Authentication", st.Username, c.ClientId, req, response))
	if err != nil {
		return nil, err
	}
	resp, _ := out["response"].(map[string]any)
	if resp == nil {
		return nil, errLambdaOutput
	}
	return resp, nil
}

// customStep asks DefineAuthChallenge what comes after the challenges
// answered so far, and does it.
func (s *Service) customStep(ctx context.Context, p *pool, c *UserPoolClientType, st *customAuthState, u *storage.User, meta map[string]string) (map[string]any, error) {
	resp, err := s.customTrigger(ctx, p, c, st, u, "DefineAuthChallenge", map[string]any{"session": st.Session},
		map[string]any{"challengeName": nil, "issueTokens": false, "failAuthentication": false}, meta)
	if err != nil {
		return nil, err
	}
	issue, okIssue := optionalBool(resp["issueTokens"])
	fail, okFail := optionalBool(resp["failAuthentication"])
	next, okName := resp["challengeName"].(string)
	if !okIssue || !okFail || !okName && resp["challengeName"] != nil {
		return nil, errLambdaOutput
	}
	switch {
	case fail:
		return nil, errCustomAuthEnded
	case issue:
		if st.UserNotFound {
			return nil, errCustomAuthEnded
		}
		return s.signedIn(ctx, p, c, *u, st.Device)
	case next == "CUSTOM_CHALLENGE":
		return s.customChallenge(ctx, p, c, st, u, meta)
	case next == "PASSWORD_VERIFIER" && st.SRPA != "":
		return s.customPasswordVerifier(ctx, p, c, st, u)
	}
	return nil, errLambdaOutput
}

func optionalBool(v any) (bool, bool) {
	if v == nil {
		return false, true
	}
	b, ok := v.(bool)
	return b, ok
}

// stringMap reads a function's map of strings (nil is empty).
func stringMap(v any) (map[string]string, bool) {
	out := map[string]string{}
	if v == nil {
		return out, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	for k, e := range m {
		str, ok := e.(string)
		if !ok {
			return nil, false
		}
		out[k] = str
	}
	return out, true
}

// customChallenge runs CreateAuthChallenge and hands its challenge out.
func (s *Service) customChallenge(ctx context.Context, p *pool, c *UserPoolClientType, st *customAuthState, u *storage.User, meta map[string]string) (map[string]any, error) {
	resp, err := s.customTrigger(ctx, p, c, st, u, "CreateAuthChallenge", map[string]any{"challengeName": "CUSTOM_CHALLENGE", "session": st.Session},
		map[string]any{"publicChallengeParameters": map[string]any{}, "privateChallengeParameters": map[string]any{}, "challengeMetadata": nil}, meta)
	if err != nil {
		return nil, err
	}
	public, okPub := stringMap(resp["publicChallengeParameters"])
	private, okPriv := stringMap(resp["privateChallengeParameters"])
	metadata, okMeta := resp["challengeMetadata"].(string)
	if !okPub || !okPriv || !okMeta && resp["challengeMetadata"] != nil {
		return nil, errLambdaOutput
	}
	st.Challenge, st.Private, st.Metadata = "CUSTOM_CHALLENGE", private, nil
	if okMeta {
		st.Metadata = &metadata
	}
	session, err := s.saveCustomAuth(ctx, c, st)
	if err != nil {
		return nil, err
	}
	public["USERNAME"] = st.Username
	return map[string]any{"ChallengeName": "CUSTOM_CHALLENGE", "Session": session, "ChallengeParameters": public}, nil
}

// customPasswordVerifier asks for the password by SRP inside the flow: the
// exchange's SECRET_BLOCK names the flow's Session.
func (s *Service) customPasswordVerifier(ctx context.Context, p *pool, c *UserPoolClientType, st *customAuthState, u *storage.User) (map[string]any, error) {
	srp := srpState{Pool: p.ID, Client: c.ClientId, A: st.SRPA, Username: st.Username, Sub: st.Sub}
	v := passwordOf(u.Password).SRP
	if st.UserNotFound || v == nil {
		fake := auth.NewVerifier(p.ID, st.Username, base64.StdEncoding.EncodeToString(randomBytes(16)))
		v, srp.Fake = &fake, true
	}
	st.Challenge, st.Private, st.Metadata = "PASSWORD_VERIFIER", nil, nil
	session, err := s.saveCustomAuth(ctx, c, st)
	if err != nil {
		return nil, err
	}
	srp.Custom = session
	out, err := s.srpChallenge(srpUser, srp, *v, "PASSWORD_VERIFIER")
	if err != nil {
		return nil, err
	}
	out["Session"] = session
	return out, nil
}

// saveCustomAuth keeps a flow's state for the client's next answer, for
// the client's AuthSessionValidity, and answers its Session.
func (s *Service) saveCustomAuth(ctx context.Context, c *UserPoolClientType, st *customAuthState) (string, error) {
	session := base64.RawURLEncoding.EncodeToString(randomBytes(48))
	raw, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	ttl := time.Duration(c.AuthSessionValidity) * time.Minute
	return session, s.putOneTime(ctx, st.Pool, customSessionKey(session), raw, s.now().Add(ttl))
}

// resumeCustomAuth takes a flow's state for the answer to challenge, with
// its user as it is now.
func (s *Service) resumeCustomAuth(ctx context.Context, p *pool, c *UserPoolClientType, session, challenge string) (*customAuthState, *storage.User, error) {
	if session == "" {
		return nil, nil, apierr.Invalid("Missing required parameter Session")
	}
	raw, ok, err := s.takeOneTime(ctx, customSessionKey(session))
	if err != nil {
		return nil, nil, err
	}
	var st customAuthState
	if !ok || json.Unmarshal(raw, &st) != nil || st.Pool != p.ID || st.Client != c.ClientId || st.Challenge != challenge {
		return nil, nil, errBadSession
	}
	u := &storage.User{}
	if !st.UserNotFound {
		found, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: st.Sub})
		if err != nil {
			return nil, nil, errBadSession
		}
		if err := customAuthAllowed(&found); err != nil {
			return nil, nil, err
		}
		u = &found
	}
	return &st, u, nil
}

// answerCustomChallenge answers a CUSTOM_CHALLENGE: VerifyAuthChallengeResponse
// judges the answer, and DefineAuthChallenge decides what follows.
func (s *Service) answerCustomChallenge(ctx context.Context, p *pool, c *UserPoolClientType, in *RespondToAuthChallengeInput) (map[string]any, error) {
	r := in.ChallengeResponses
	if r["ANSWER"] == "" {
		return nil, apierr.Invalid("Missing required parameter ANSWER")
	}
	st, u, err := s.resumeCustomAuth(ctx, p, c, in.Session, "CUSTOM_CHALLENGE")
	if err != nil {
		return nil, err
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username, st.Sub); err != nil {
		return nil, err
	}
	resp, err := s.customTrigger(ctx, p, c, st, u, "VerifyAuthChallengeResponse",
		map[string]any{"privateChallengeParameters": st.Private, "challengeAnswer": r["ANSWER"]},
		map[string]any{"answerCorrect": false}, in.ClientMetadata)
	if err != nil {
		return nil, err
	}
	correct, ok := optionalBool(resp["answerCorrect"])
	if !ok {
		return nil, errLambdaOutput
	}
	st.Session = append(st.Session, challengeResult{ChallengeName: "CUSTOM_CHALLENGE", ChallengeResult: correct, ChallengeMetadata: st.Metadata})
	return s.customStep(ctx, p, c, st, u, in.ClientMetadata)
}

// answerCustomPassword continues a flow after its PASSWORD_VERIFIER: the
// proof's result goes to DefineAuthChallenge.
func (s *Service) answerCustomPassword(ctx context.Context, p *pool, c *UserPoolClientType, srp srpState, r map[string]string, proven bool) (map[string]any, error) {
	st, u, err := s.resumeCustomAuth(ctx, p, c, srp.Custom, "PASSWORD_VERIFIER")
	if err != nil {
		return nil, err
	}
	st.Session = append(st.Session, challengeResult{ChallengeName: "PASSWORD_VERIFIER", ChallengeResult: proven && !st.UserNotFound})
	if r["DEVICE_KEY"] != "" {
		st.Device = r["DEVICE_KEY"]
	}
	return s.customStep(ctx, p, c, st, u, nil)
}
