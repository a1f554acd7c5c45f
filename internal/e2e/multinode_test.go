package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/storage/pgtest"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// Two cognitod nodes share one PostgreSQL database and behave as one
// service: what one writes the other honours at once, a token one issues
// the other accepts, and concurrent links of one identity through both
// nodes have exactly one winner.
func TestTwoNodesOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	open := func(base string) *env {
		st, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return newEnvBehind(t, st, base)
	}
	n1 := open("")
	n2 := open(n1.url) // both nodes answer for one public URL
	pool, clientID := authFixture(t, n1, nil)
	n1.setMFA(pool, types.UserPoolMfaTypeOptional) // before node 2 reads the pool (it keeps it up to a second)
	n1.idp(pool, "Google", types.IdentityProviderTypeTypeGoogle, nil)
	n1.confirmedUserVia(n2, pool, clientID, "kim", "Corr3ct-Horse!")
	if err := n1.link(pool, pui("Cognito", "", "kim"), pui("Google", "Cognito_Subject", "g-kim")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(n2.attrs(pool, "kim")["identities"], `"userId":"g-kim"`) {
		t.Fatal("node 2 does not see node 1's link")
	}
	// Tokens: issued by node 1 (keys created there), accepted by node 2.
	res, err := n1.passwordAuth(clientID, "kim", "Corr3ct-Horse!")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := n2.c.GetUser(ctx, &cip.GetUserInput{AccessToken: res.AccessToken}); err != nil || *got.Username != "kim" {
		t.Fatalf("node 2 rejects node 1's access token: %v", err)
	}
	ref := must[*cip.InitiateAuthOutput](t)(n2.c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}}))
	if ref.AuthenticationResult.AccessToken == nil {
		t.Fatal("node 2 could not refresh node 1's session")
	}
	// A hosted sign-in's session, opened through node 1, signs in through
	// node 2; a logout through node 2 ends it for node 1.
	web := *must[*cip.CreateUserPoolClientOutput](t)(n1.c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("web"),
		CallbackURLs: []string{appCallback}, LogoutURLs: []string{appCallback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: []string{"openid", "email"}, SupportedIdentityProviders: []string{"COGNITO"}})).UserPoolClient.ClientId
	b := newSessionBrowser(t)
	_, _, page := b.authorize(n1.url, web, nil)
	b.signIn(n1.url, page, "kim", "Corr3ct-Horse!")
	if status, q, _ := b.authorize(n2.url, web, nil); status != http.StatusFound || q.Get("code") == "" {
		t.Fatalf("node 2 does not resume node 1's hosted session: %d", status)
	}
	stay := &http.Client{Jar: b.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, _ := fetch(t, stay, n2.url+"/logout?"+url.Values{"client_id": {web}, "logout_uri": {appCallback}}.Encode(), nil); resp.StatusCode != http.StatusFound {
		t.Fatalf("logout through node 2: %d", resp.StatusCode)
	}
	if status, _, _ := b.authorize(n1.url, web, nil); status != http.StatusOK {
		t.Fatalf("node 1 after a logout through node 2: %d", status)
	}
	// Concurrent links of one identity, half through each node.
	const n = 12
	for i := 0; i < n; i++ {
		n1.user(pool, fmt.Sprint("c", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			node := n1
			if i%2 == 1 {
				node = n2
			}
			errs[i] = node.link(pool, pui("Cognito", "", fmt.Sprint("c", i)), pui("Google", "Cognito_Subject", "contested"))
		}(i)
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else {
			wantErr(t, err, "InvalidParameterException", "SourceUser is already linked to DestinationUser")
		}
	}
	if wins != 1 {
		t.Fatalf("%d concurrent links through two nodes succeeded", wins)
	}
	// Unlink through node 2; node 1 sees the identity free.
	if err := n2.unlink(pool, pui("Google", "Cognito_Subject", "g-kim")); err != nil {
		t.Fatal(err)
	}
	if _, has := n1.attrs(pool, "kim")["identities"]; has {
		t.Fatal("node 1 still shows the unlinked identity")
	}
	// An authenticator registered through node 1 (its secret sealed under
	// the data key the nodes share) signs in through node 2.
	secret := aws.ToString(must[*cip.AssociateSoftwareTokenOutput](t)(n1.c.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: res.AccessToken})).SecretCode)
	now := time.Now()
	must[*cip.VerifySoftwareTokenOutput](t)(n1.c.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: res.AccessToken, UserCode: aws.String(totpCode(t, secret, now))}))
	must[*cip.SetUserMFAPreferenceOutput](t)(n1.c.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: res.AccessToken,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))
	ch := n2.signIn(clientID, "kim", "Corr3ct-Horse!")
	done := must[*cip.RespondToAuthChallengeOutput](t)(n2.c.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID,
		ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "kim", "SOFTWARE_TOKEN_MFA_CODE": totpCode(t, secret, now.Add(30*time.Second))}}))
	if done.AuthenticationResult == nil {
		t.Fatal("node 2 could not check a code of node 1's authenticator")
	}
	// An import file uploaded through node 1 is run by node 2.
	job := n1.importJob(pool, n1.importCSV(pool, map[string]string{"cognito:username": "imp1", "email": "imp1@example.com"},
		map[string]string{"cognito:username": "imp2", "email": "imp2@example.com"}))
	must[*cip.StartUserImportJobOutput](t)(n2.c.StartUserImportJob(ctx, &cip.StartUserImportJobInput{UserPoolId: &pool, JobId: &job}))
	if d := n1.importDone(pool, job); d.Status != types.UserImportJobStatusTypeSucceeded || d.ImportedUsers != 2 {
		t.Fatalf("import run by node 2: %s, %d imported (%s)", d.Status, d.ImportedUsers, aws.ToString(d.CompletionMessage))
	}
}

// confirmedUserVia signs a user up on e and confirms it on other (the code
// is read from e's outbox, where it was sent).
func (e *env) confirmedUserVia(other *env, pool, clientID, name, password string) {
	e.t.Helper()
	must[*cip.SignUpOutput](e.t)(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: &name, Password: &password,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}}}))
	must[*cip.ConfirmSignUpOutput](e.t)(other.c.ConfirmSignUp(other.ctx, &cip.ConfirmSignUpInput{ClientId: &clientID, Username: &name, ConfirmationCode: aws.String(e.lastCode(pool, name))}))
}
