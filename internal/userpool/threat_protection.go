package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// Threat protection (the pool's UserPoolAddOns AdvancedSecurityMode, AUDIT
// or ENFORCED): users' sign-ins, sign-ups and password changes are kept as
// authentication events (AdminListUserAuthEvents, with feedback through
// AdminUpdateAuthEventFeedback), and risk configurations are kept per pool
// or per app client (SetRiskConfiguration, DescribeRiskConfiguration).
//
// cognitod does not score risk: every event's risk decision is NoRisk,
// except a sign-in from an address in the configuration's
// BlockedIPRangeList, which ENFORCED refuses (Block) and AUDIT records.
// The address is the caller's (WithClientIP).

const (
	riskMember     = "cognitod:RiskConfigurations"
	riskAllClients = "ALL"
	maxAuthEvents  = 50
)

var (
	errAddOnOff     = apierr.New(apierr.UserPoolAddOnNotEnabled, "Threat protection is not enabled for this user pool: set UserPoolAddOns AdvancedSecurityMode to AUDIT or ENFORCED.")
	errBlockedIP    = apierr.New(apierr.NotAuthorized, "Unable to login because of security reasons.")
	errNoSuchEvent  = apierr.New(apierr.ResourceNotFound, "Authentication event does not exist.")
	errFeedbackOnly = apierr.New(apierr.UnsupportedOperation, "cognitod sends no risk notifications, so it issues no feedback tokens: give feedback with AdminUpdateAuthEventFeedback.")
)

type clientIPKey struct{}

// WithClientIP tells the domain the address a call came from.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIPMiddleware records each request's remote address (the peer's,
// not a forwarded header a caller could forge) for the domain.
func ClientIPMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		next.ServeHTTP(w, r.WithContext(WithClientIP(r.Context(), host)))
	})
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}

// securityMode is the pool's AdvancedSecurityMode (OFF, AUDIT, ENFORCED).
func (p *pool) securityMode() string {
	if p.security == "" {
		return "OFF"
	}
	return p.security
}

// riskConfig is one stored risk configuration.
type riskConfig struct {
	CompromisedCredentialsRiskConfiguration json.RawMessage `json:",omitempty"`
	AccountTakeoverRiskConfiguration        json.RawMessage `json:",omitempty"`
	RiskExceptionConfiguration              json.RawMessage `json:",omitempty"`
	LastModifiedDate                        int64           `json:",omitempty"`
}

// riskExceptions is a configuration's RiskExceptionConfiguration.
type riskExceptions struct{ BlockedIPRangeList, SkippedIPRangeList []string }

func (p *pool) riskConfigs() map[string]riskConfig {
	out := map[string]riskConfig{}
	_ = jsonInto(p.cfg[riskMember], &out)
	return out
}

// riskConfigFor answers the configuration that applies to a client (its
// own, else the pool's) and whose it is.
func (p *pool) riskConfigFor(clientID string) (riskConfig, string) {
	all := p.riskConfigs()
	if c, ok := all[clientID]; ok && clientID != "" {
		return c, clientID
	}
	return all[riskAllClients], riskAllClients
}

// blockedRanges parses each configuration's BlockedIPRangeList (once, with
// the pool); a configuration without one is there too, with none.
func blockedRanges(all map[string]riskConfig) map[string][]*net.IPNet {
	out := map[string][]*net.IPNet{}
	for whose, c := range all {
		var ex riskExceptions
		_ = jsonInto(c.RiskExceptionConfiguration, &ex)
		out[whose] = nil
		for _, r := range ex.BlockedIPRangeList {
			if _, n, err := net.ParseCIDR(r); err == nil {
				out[whose] = append(out[whose], n)
			}
		}
	}
	return out
}

// ipBlocked answers whether the caller's address is in the blocked ranges
// that apply to a client: its own configuration's, else the pool's.
func (p *pool) ipBlocked(ctx context.Context, clientID string) bool {
	ip := net.ParseIP(clientIP(ctx))
	if ip == nil || p.securityMode() == "OFF" {
		return false
	}
	ranges, own := p.blocked[clientID]
	if !own || clientID == "" {
		ranges = p.blocked[riskAllClients]
	}
	for _, n := range ranges {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// RiskConfigurationInput is SetRiskConfiguration's request.
type RiskConfigurationInput struct {
	UserPoolId string
	ClientId   string
	riskConfig
}

// SetRiskConfiguration keeps a pool's (or one client's) risk configuration;
// one with no configuration in it removes the client's own.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetRiskConfiguration.html
func (s *Service) SetRiskConfiguration(ctx context.Context, in *RiskConfigurationInput) (map[string]any, error) {
	p, err := s.riskPool(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	var ex riskExceptions
	_ = jsonInto(in.RiskExceptionConfiguration, &ex)
	for _, r := range slices.Concat(ex.BlockedIPRangeList, ex.SkippedIPRangeList) {
		if _, _, err := net.ParseCIDR(r); err != nil {
			return nil, apierr.Invalid("%q is not an IP address range in CIDR notation.", r)
		}
	}
	var ato struct {
		NotifyConfiguration json.RawMessage
		Actions             map[string]struct{ Notify bool }
	}
	_ = jsonInto(in.AccountTakeoverRiskConfiguration, &ato)
	for _, a := range ato.Actions {
		if a.Notify && len(ato.NotifyConfiguration) == 0 {
			return nil, apierr.Invalid("AccountTakeoverRiskConfiguration needs a NotifyConfiguration to notify users.")
		}
	}
	key := in.ClientId
	if key == "" {
		key = riskAllClients
	}
	cfg := in.riskConfig
	cfg.LastModifiedDate = s.clock().UnixMilli()
	err = s.changePool(ctx, p.ID, false, func(p *pool) error {
		all := p.riskConfigs()
		if key != riskAllClients && cfg.CompromisedCredentialsRiskConfiguration == nil && cfg.AccountTakeoverRiskConfiguration == nil && cfg.RiskExceptionConfiguration == nil {
			delete(all, key)
		} else {
			all[key] = cfg
		}
		p.cfg[riskMember] = mustJSON(all)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"RiskConfiguration": riskAnswer(p.ID, key, cfg)}, nil
}

// riskPool finds the pool (and checks the client) of a risk configuration
// request; the add-on must be on.
func (s *Service) riskPool(ctx context.Context, poolID, clientID string) (*pool, error) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	if clientID != "" {
		if _, _, err := s.poolClient(ctx, poolID, clientID); err != nil {
			return nil, err
		}
	}
	if p.securityMode() == "OFF" {
		return nil, errAddOnOff
	}
	return p, nil
}

func riskAnswer(poolID, clientID string, c riskConfig) map[string]any {
	out := map[string]any{"UserPoolId": poolID, "ClientId": clientID}
	for k, v := range map[string]json.RawMessage{"CompromisedCredentialsRiskConfiguration": c.CompromisedCredentialsRiskConfiguration,
		"AccountTakeoverRiskConfiguration": c.AccountTakeoverRiskConfiguration, "RiskExceptionConfiguration": c.RiskExceptionConfiguration} {
		if v != nil {
			out[k] = v
		}
	}
	if c.LastModifiedDate > 0 {
		out["LastModifiedDate"] = msTime(c.LastModifiedDate)
	}
	return out
}

// DescribeRiskConfiguration answers the risk configuration that applies to
// a client (its own, else the pool's, ClientId ALL) or to the pool.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeRiskConfiguration.html
func (s *Service) DescribeRiskConfiguration(ctx context.Context, in *struct{ UserPoolId, ClientId string }) (map[string]any, error) {
	p, err := s.riskPool(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	c, whose := p.riskConfigFor(in.ClientId)
	return map[string]any{"RiskConfiguration": riskAnswer(p.ID, whose, c)}, nil
}

// authEvent is one authentication event of a user.
type authEvent struct {
	Seq        int64       `json:"seq"`
	ID         string      `json:"id"`
	Type       string      `json:"type"`
	Created    int64       `json:"created"`
	Response   string      `json:"response"`
	Risk       string      `json:"risk"`
	Challenges [][2]string `json:"challenges,omitempty"` // (Password|Mfa, Success|Failure)
	IP         string      `json:"ip,omitempty"`
	Feedback   *struct {
		Value, Provider string
		Date            int64
	} `json:"feedback,omitempty"`
}

// recordAuthEvent keeps an event of a user, in a pool with threat
// protection on; a user keeps its newest maxAuthEvents. Its risk decision
// is Block for a caller in the blocked ranges of the client's (or pool's)
// configuration, else NoRisk.
func (s *Service) recordAuthEvent(ctx context.Context, p *pool, clientID, sub, typ, response string, challenges ...[2]string) error {
	if p.securityMode() == "OFF" || sub == "" {
		return nil
	}
	risk := "NoRisk"
	if p.ipBlocked(ctx, clientID) {
		risk = "Block"
	}
	now := s.clock().UnixMilli()
	_, err := s.editExtra(ctx, p.ID, sub, func(_ *storage.User, x *userExtra) error {
		var seq int64
		if n := len(x.AuthEvents); n > 0 {
			seq = x.AuthEvents[n-1].Seq
		}
		x.AuthEvents = append(x.AuthEvents, authEvent{Seq: seq + 1, ID: uuid.NewString(), Type: typ, Created: now, Response: response,
			Risk: risk, Challenges: challenges, IP: clientIP(ctx)})
		if n := len(x.AuthEvents); n > maxAuthEvents {
			x.AuthEvents = slices.Delete(x.AuthEvents, 0, n-maxAuthEvents)
		}
		return nil
	})
	if errors.Is(err, errUserNotFound) {
		return nil // deleted meanwhile: nobody to keep the event for
	}
	return err
}

// signInFailed records a refused sign-in (challenge: the step that failed,
// after a right password for an MFA code) and answers err.
func (s *Service) signInFailed(ctx context.Context, p *pool, clientID, sub string, err error, failed string) error {
	challenges := [][2]string{{"Password", "Failure"}}
	if failed == "Mfa" {
		challenges = [][2]string{{"Password", "Success"}, {"Mfa", "Failure"}}
	}
	if rerr := s.recordAuthEvent(ctx, p, clientID, sub, "SignIn", "Fail", challenges...); rerr != nil {
		return rerr
	}
	return err
}

// refuseBlocked refuses, in ENFORCED mode, a sign-in from a blocked
// address (in AUDIT, its events only say Block); lookup finds the user the
// refused sign-in's event is kept for, and runs only then.
func (s *Service) refuseBlocked(ctx context.Context, p *pool, clientID string, lookup func() storage.User) error {
	if p.securityMode() != "ENFORCED" || !p.ipBlocked(ctx, clientID) {
		return nil
	}
	if err := s.recordAuthEvent(ctx, p, clientID, lookup().Sub, "SignIn", "Fail"); err != nil {
		return err
	}
	return errBlockedIP
}

// AuthEventType is an event as AdminListUserAuthEvents answers it.
type AuthEventType struct {
	EventId            string
	EventType          string
	CreationDate       *awsjson.Time
	EventResponse      string
	EventRisk          map[string]any
	ChallengeResponses []map[string]string
	EventContextData   map[string]string `json:",omitempty"`
	EventFeedback      map[string]any    `json:",omitempty"`
}

func (e *authEvent) render() AuthEventType {
	risk := map[string]any{"RiskDecision": e.Risk, "CompromisedCredentialsDetected": false}
	if e.Risk == "Block" {
		risk["RiskLevel"] = "High"
	}
	out := AuthEventType{EventId: e.ID, EventType: e.Type, CreationDate: msTime(e.Created), EventResponse: e.Response, EventRisk: risk,
		ChallengeResponses: []map[string]string{}}
	for _, c := range e.Challenges {
		out.ChallengeResponses = append(out.ChallengeResponses, map[string]string{"ChallengeName": c[0], "ChallengeResponse": c[1]})
	}
	if e.IP != "" {
		out.EventContextData = map[string]string{"IpAddress": e.IP}
	}
	if f := e.Feedback; f != nil {
		out.EventFeedback = map[string]any{"FeedbackValue": f.Value, "Provider": f.Provider, "FeedbackDate": msTime(f.Date)}
	}
	return out
}

// AdminListUserAuthEvents lists a user's authentication events, newest
// first.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminListUserAuthEvents.html
func (s *Service) AdminListUserAuthEvents(ctx context.Context, in *struct {
	UserPoolId, Username string
	MaxResults           int
	NextToken            string
}) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if p.securityMode() == "OFF" {
		return nil, errAddOnOff
	}
	scope := "authevents/" + p.ID + "/" + u.Sub
	before, err := s.pageCursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := in.MaxResults
	if limit == 0 {
		limit = 60
	}
	events := extraOf(&u).AuthEvents
	out := map[string]any{}
	list := []AuthEventType{}
	var last int64
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if before > 0 && e.Seq >= before {
			continue
		}
		if len(list) == limit {
			out["NextToken"] = s.pageToken(scope, last)
			break
		}
		list, last = append(list, e.render()), e.Seq
	}
	out["AuthEvents"] = list
	return out, nil
}

// AdminUpdateAuthEventFeedback records an administrator's word on whether
// an event was the user's.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateAuthEventFeedback.html
func (s *Service) AdminUpdateAuthEventFeedback(ctx context.Context, in *struct{ UserPoolId, Username, EventId, FeedbackValue string }) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if p.securityMode() == "OFF" {
		return nil, errAddOnOff
	}
	now := s.clock().UnixMilli()
	_, err = s.editExtra(ctx, p.ID, u.Sub, func(_ *storage.User, x *userExtra) error {
		i := slices.IndexFunc(x.AuthEvents, func(e authEvent) bool { return e.ID == in.EventId })
		if i < 0 {
			return errNoSuchEvent
		}
		x.AuthEvents[i].Feedback = &struct {
			Value, Provider string
			Date            int64
		}{in.FeedbackValue, "Admin", now}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// UpdateAuthEventFeedback takes a user's feedback with the token of a risk
// notification; cognitod sends none.
func (s *Service) UpdateAuthEventFeedback(ctx context.Context, in *struct{ UserPoolId string }) (map[string]any, error) {
	if _, err := s.getPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	return nil, errFeedbackOnly
}
