package e2e

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// With threat protection on, users' sign-ups and sign-ins are kept as
// events (newest first, with the caller's address and an administrator's
// feedback); risk configurations are kept per pool and per client, and
// ENFORCED refuses a sign-in from a blocked address range. Without it,
// both answer UserPoolAddOnNotEnabledException.
func TestThreatProtection(t *testing.T) {
	e := newEnv(t)
	plainPool, _ := authFixture(t, e, nil)
	_, err := e.c.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: &plainPool})
	off := "Threat protection is not enabled for this user pool: set UserPoolAddOns AdvancedSecurityMode to AUDIT or ENFORCED."
	wantErr(t, err, "UserPoolAddOnNotEnabledException", off)

	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeEnforced}})
	newClient := func(name string) string {
		return *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String(name),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	}
	web, partner := newClient("web"), newClient("partner")
	e.confirmedUser(pool, web, "tess", "Passw0rd!x")
	_, err = e.passwordAuth(web, "tess", "Wrong-passw0rd")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	must[*types.AuthenticationResultType](t)(e.passwordAuth(web, "tess", "Passw0rd!x"))

	events := func(max int32, next *string) *cip.AdminListUserAuthEventsOutput {
		return must[*cip.AdminListUserAuthEventsOutput](t)(e.c.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: &pool,
			Username: aws.String("tess"), MaxResults: &max, NextToken: next}))
	}
	describe := func(ev []types.AuthEventType) string {
		var parts []string
		for _, x := range ev {
			var ch []string
			for _, c := range x.ChallengeResponses {
				ch = append(ch, string(c.ChallengeName)+"="+string(c.ChallengeResponse))
			}
			ip := ""
			if x.EventContextData != nil {
				ip = aws.ToString(x.EventContextData.IpAddress)
			}
			parts = append(parts, fmt.Sprintf("%s/%s/%s%v@%s", x.EventType, x.EventResponse, x.EventRisk.RiskDecision, ch, ip))
		}
		return strings.Join(parts, " ")
	}
	page1 := events(2, nil)
	page2 := events(2, page1.NextToken)
	if got := describe(append(page1.AuthEvents, page2.AuthEvents...)); got != "SignIn/Pass/NoRisk[Password=Success]@127.0.0.1 SignIn/Fail/NoRisk[Password=Failure]@127.0.0.1 SignUp/Pass/NoRisk[]@127.0.0.1" ||
		page1.NextToken == nil || page2.NextToken != nil {
		t.Fatalf("events: %s (next %v, %v)", got, page1.NextToken, page2.NextToken)
	}

	// An administrator's feedback.
	must[*cip.AdminUpdateAuthEventFeedbackOutput](t)(e.c.AdminUpdateAuthEventFeedback(e.ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: &pool,
		Username: aws.String("tess"), EventId: page1.AuthEvents[1].EventId, FeedbackValue: types.FeedbackValueTypeInvalid}))
	if fb := events(0, nil).AuthEvents[1].EventFeedback; fb == nil || fb.FeedbackValue != types.FeedbackValueTypeInvalid || aws.ToString(fb.Provider) != "Admin" || fb.FeedbackDate == nil {
		t.Fatalf("feedback %+v", fb)
	}
	_, err = e.c.AdminUpdateAuthEventFeedback(e.ctx, &cip.AdminUpdateAuthEventFeedbackInput{UserPoolId: &pool, Username: aws.String("tess"),
		EventId: aws.String("no-such-event"), FeedbackValue: types.FeedbackValueTypeValid})
	wantErr(t, err, "ResourceNotFoundException", "Authentication event does not exist.")

	// Risk configurations: the pool's blocks this address; the partner
	// client's own does not.
	_, err = e.c.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: &pool,
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.1"}}})
	wantErr(t, err, "InvalidParameterException", `"127.0.0.1" is not an IP address range in CIDR notation.`)
	set := must[*cip.SetRiskConfigurationOutput](t)(e.c.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: &pool,
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.0/8"}},
		CompromisedCredentialsRiskConfiguration: &types.CompromisedCredentialsRiskConfigurationType{
			Actions: &types.CompromisedCredentialsActionsType{EventAction: types.CompromisedCredentialsEventActionTypeBlock}}}))
	if aws.ToString(set.RiskConfiguration.ClientId) != "ALL" || set.RiskConfiguration.LastModifiedDate == nil {
		t.Fatalf("SetRiskConfiguration answered %+v", set.RiskConfiguration)
	}
	must[*cip.SetRiskConfigurationOutput](t)(e.c.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: &pool, ClientId: &partner,
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{SkippedIPRangeList: []string{"10.0.0.0/8"}}}))
	_, err = e.passwordAuth(web, "tess", "Passw0rd!x")
	wantErr(t, err, "NotAuthorizedException", "Unable to login because of security reasons.")
	if got := describe(events(1, nil).AuthEvents); got != "SignIn/Fail/Block[]@127.0.0.1" {
		t.Fatalf("blocked sign-in event: %s", got)
	}
	must[*types.AuthenticationResultType](t)(e.passwordAuth(partner, "tess", "Passw0rd!x"))

	for client, want := range map[string]string{partner: partner, web: "ALL"} {
		d := must[*cip.DescribeRiskConfigurationOutput](t)(e.c.DescribeRiskConfiguration(e.ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: &pool, ClientId: &client}))
		if aws.ToString(d.RiskConfiguration.ClientId) != want {
			t.Fatalf("DescribeRiskConfiguration(%s) answered the configuration of %s", client, aws.ToString(d.RiskConfiguration.ClientId))
		}
	}
	d := must[*cip.DescribeRiskConfigurationOutput](t)(e.c.DescribeRiskConfiguration(e.ctx, &cip.DescribeRiskConfigurationInput{UserPoolId: &pool}))
	if d.RiskConfiguration.CompromisedCredentialsRiskConfiguration == nil ||
		d.RiskConfiguration.CompromisedCredentialsRiskConfiguration.Actions.EventAction != types.CompromisedCredentialsEventActionTypeBlock {
		t.Fatalf("the pool's configuration: %+v", d.RiskConfiguration)
	}
	// AUDIT: the blocked address signs in; its event says Block.
	audit := e.pool(&cip.CreateUserPoolInput{UserPoolAddOns: &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeAudit}})
	auditClient := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &audit, ClientName: aws.String("a"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	e.user(audit, "ava", "email", "ava@example.com")
	must[*cip.AdminSetUserPasswordOutput](t)(e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &audit, Username: aws.String("ava"), Password: aws.String("Passw0rd!x"), Permanent: true}))
	must[*cip.SetRiskConfigurationOutput](t)(e.c.SetRiskConfiguration(e.ctx, &cip.SetRiskConfigurationInput{UserPoolId: &audit,
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.0/8"}}}))
	must[*cip.AdminInitiateAuthOutput](t)(e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: &audit, ClientId: &auditClient,
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "ava", "PASSWORD": "Passw0rd!x"}}))
	ev := must[*cip.AdminListUserAuthEventsOutput](t)(e.c.AdminListUserAuthEvents(e.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: &audit, Username: aws.String("ava")}))
	if got := describe(ev.AuthEvents); got != "SignIn/Pass/Block[Password=Success]@127.0.0.1" {
		t.Fatalf("AUDIT events: %s", got)
	}

	status, _, raw := rawCall(t, e.url, "DescribeUserPool", `{"UserPoolId":"`+pool+`"}`, signWith(testKeyID, testSecret, "us-east-1", time.Now()))
	for k := range raw["UserPool"].(map[string]any) {
		if strings.HasPrefix(k, "cognitod:") || status != 200 {
			t.Fatalf("DescribeUserPool shows %s (%d)", k, status)
		}
	}
}

// The hosted sign-in page keeps events too, and ENFORCED refuses a blocked
// address there.
func TestThreatProtectionOnHostedSignIn(t *testing.T) {
	f := newFedEnv(t, nil)
	must[*cip.UpdateUserPoolOutput](t)(f.c.UpdateUserPool(f.ctx, &cip.UpdateUserPoolInput{UserPoolId: &f.pool,
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		UserPoolAddOns:         &types.UserPoolAddOnsType{AdvancedSecurityMode: types.AdvancedSecurityModeTypeEnforced}}))
	f.confirmedUser(f.pool, f.clientID, "hana", "Corr3ct-Horse!")
	q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {appCallback}, "state": {"t"}, "scope": {"openid"}}
	signIn := func(password string) (*http.Response, string) {
		_, page := fetch(t, browser(), f.url+"/login?"+q.Encode(), nil)
		sealed := regexp.MustCompile(`name="q" value="([^"]+)"`).FindStringSubmatch(page)[1]
		return fetch(t, browser(), f.url+"/login", url.Values{"q": {html.UnescapeString(sealed)}, "username": {"hana"}, "password": {password}})
	}
	if r, _ := signIn("Wrong-passw0rd"); r.StatusCode != 400 {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	if r, _ := signIn("Corr3ct-Horse!"); r.StatusCode != http.StatusFound {
		t.Fatalf("right password: %d", r.StatusCode)
	}
	must[*cip.SetRiskConfigurationOutput](t)(f.c.SetRiskConfiguration(f.ctx, &cip.SetRiskConfigurationInput{UserPoolId: &f.pool,
		RiskExceptionConfiguration: &types.RiskExceptionConfigurationType{BlockedIPRangeList: []string{"127.0.0.0/8"}}}))
	if r, body := signIn("Corr3ct-Horse!"); r.StatusCode != 400 || !strings.Contains(body, "Unable to login because of security reasons.") {
		t.Fatalf("blocked address: %d", r.StatusCode)
	}
	ev := must[*cip.AdminListUserAuthEventsOutput](t)(f.c.AdminListUserAuthEvents(f.ctx, &cip.AdminListUserAuthEventsInput{UserPoolId: &f.pool, Username: aws.String("hana")}))
	var got []string
	for _, e := range ev.AuthEvents {
		got = append(got, fmt.Sprint(e.EventType, "/", e.EventResponse, "/", e.EventRisk.RiskDecision))
	}
	if strings.Join(got, " ") != "SignIn/Fail/Block SignIn/Pass/NoRisk SignIn/Fail/NoRisk SignUp/Pass/NoRisk" {
		t.Fatalf("hosted sign-in events: %v", got)
	}
}
