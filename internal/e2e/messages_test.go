package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Messages use the pool's own text where it has one: its verification,
// invitation and sign-in code templates.
func TestPoolMessageTemplates(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		VerificationMessageTemplate: &types.VerificationMessageTemplateType{EmailSubject: aws.String("Welcome"), EmailMessage: aws.String("Your shop code: {####}")},
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{InviteMessageTemplate: &types.MessageTemplateType{
			EmailSubject: aws.String("Invited"), EmailMessage: aws.String("Hello {username}, your password is {####}")}}})
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app")})).UserPoolClient.ClientId
	must[*cip.SignUpOutput](t)(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("una"), Password: aws.String("Passw0rd!x"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("una@example.com")}}}))
	msgs, _ := e.outbox.List(pool, "una")
	if m := msgs[len(msgs)-1]; m.Subject != "Welcome" || m.Body != "Your shop code: "+m.Code || m.Code == "" {
		t.Fatalf("verification message: %+v", m)
	}
	must[*cip.AdminCreateUserOutput](t)(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("vic"), TemporaryPassword: aws.String("Temp0rary!x"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("vic@example.com")}}}))
	msgs, _ = e.outbox.List(pool, "vic")
	if m := msgs[len(msgs)-1]; m.Subject != "Invited" || m.Body != "Hello vic, your password is Temp0rary!x" {
		t.Fatalf("invitation: %+v", m)
	}
	// A pool without templates leaves the text to the default (no body).
	plain, plainClient := authFixture(t, e, nil)
	e.confirmedUser(plain, plainClient, "wyn", "Passw0rd!x")
	msgs, _ = e.outbox.List(plain, "wyn")
	if m := msgs[0]; m.Body != "" || m.Subject != "" {
		t.Fatalf("default message: %+v", m)
	}
}

// A pool that verifies email by link sends a link to the hosted
// /confirmUser page, which confirms the user once.
func TestConfirmSignUpByLink(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		VerificationMessageTemplate: &types.VerificationMessageTemplateType{DefaultEmailOption: types.DefaultEmailOptionTypeConfirmWithLink}})
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app")})).UserPoolClient.ClientId
	must[*cip.SignUpOutput](t)(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("lia"), Password: aws.String("Passw0rd!x"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("lia@example.com")}}}))
	msgs, _ := e.outbox.List(pool, "lia")
	m := msgs[len(msgs)-1]
	link := regexp.MustCompile(`<a href="([^"]+)">Verify Email</a>`).FindStringSubmatch(m.Body)
	if m.Subject != "Your verification link" || link == nil || !strings.HasPrefix(link[1], e.url+"/confirmUser?") {
		t.Fatalf("message: %+v", m)
	}
	href := strings.ReplaceAll(link[1], "&amp;", "&")
	get := func(u string) (int, string) {
		t.Helper()
		resp, body := fetch(t, http.DefaultClient, u, nil)
		return resp.StatusCode, body
	}
	if status, body := get(strings.Replace(href, "confirmation_code="+m.Code, "confirmation_code=000000", 1)); status != 400 || !strings.Contains(body, "Invalid verification code provided, please try again.") {
		t.Fatalf("a wrong code: %d\n%s", status, body)
	}
	if status, body := get(href); status != 200 || !strings.Contains(body, "Your registration has been confirmed!") {
		t.Fatalf("the link: %d\n%s", status, body)
	}
	u := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("lia")}))
	if u.UserStatus != types.UserStatusTypeConfirmed || attrOf(u.UserAttributes, "email_verified") != "true" {
		t.Fatalf("after the link: %s %v", u.UserStatus, u.UserAttributes)
	}
	if status, body := get(href); status != 400 || !strings.Contains(body, "User cannot be confirmed. Current status is CONFIRMED") {
		t.Fatalf("the link again: %d\n%s", status, body)
	}
}
