package e2e

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestAdminCreateUser(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}})
	u := e.user(pool, "erin", "email", "erin@example.com", "email_verified", "true", "given_name", "Erin")
	if u.UserStatus != types.UserStatusTypeForceChangePassword || !u.Enabled || *u.Username != "erin" {
		t.Fatalf("user = %+v", u)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(attrOf(u.Attributes, "sub")) {
		t.Fatalf("sub = %q", attrOf(u.Attributes, "sub"))
	}
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("erin")})
	wantErr(t, err, "UsernameExistsException", "User account already exists")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("erin2"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("erin@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	wantErr(t, err, "AliasExistsException", "An account with the given email already exists.")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("x@example.com")})
	wantErr(t, err, "InvalidParameterException", "Username cannot be of email format, since user pool is configured for email alias.")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("frank"),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:nope"), Value: aws.String("1")}}})
	wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("frank"),
		UserAttributes: []types.AttributeType{{Name: aws.String("identities"), Value: aws.String("[]")}}})
	wantErr(t, err, "InvalidParameterException", "Invalid user attributes: identities: Attribute cannot be updated.")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("frank"), TemporaryPassword: aws.String("short")})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("frank"), TemporaryPassword: aws.String("alllowercase1!")})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password must have uppercase characters")
	// A failed create stores nothing.
	_, err = e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("frank")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	// Found by verified alias and by sub.
	if e.attrs(pool, "erin@example.com")["given_name"] != "Erin" || e.attrs(pool, attrOf(u.Attributes, "sub"))["given_name"] != "Erin" {
		t.Fatal("lookup by alias or sub failed")
	}
	// RESEND needs an existing user.
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("ghost"), MessageAction: types.MessageActionTypeResend})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String("us-east-1_missing1"), Username: aws.String("a")})
	wantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_missing1 does not exist.")
}

func TestEmailAsUsername(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}})
	u := e.user(pool, "gina@example.com")
	if *u.Username != attrOf(u.Attributes, "sub") || attrOf(u.Attributes, "email") != "gina@example.com" {
		t.Fatalf("user = %s %+v", *u.Username, u.Attributes)
	}
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("gina")})
	wantErr(t, err, "InvalidParameterException", "Username should be an email.")
	_, err = e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("gina@example.com")})
	wantErr(t, err, "AliasExistsException", "An account with the given email already exists.")
	if e.attrs(pool, "gina@example.com")["email"] != "gina@example.com" {
		t.Fatal("email sign-in name does not find the user")
	}
}

func TestCaseInsensitiveUsernames(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}})
	e.user(pool, "Hank", "email", "Hank@Example.com")
	if e.attrs(pool, "HANK")["email"] != "Hank@Example.com" {
		t.Fatal("case-insensitive lookup failed")
	}
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("hank")})
	wantErr(t, err, "UsernameExistsException", "User account already exists")
	lu := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`email = "hank@example.com"`)}))
	if len(lu.Users) != 1 || *lu.Users[0].Username != "Hank" {
		t.Fatalf("ListUsers = %+v", lu.Users)
	}
	// Case-sensitive by default.
	cs := e.pool(nil)
	e.user(cs, "Ivy")
	_, err = e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &cs, Username: aws.String("ivy")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
}

func TestListUsersFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	for i := 0; i < 25; i++ {
		e.user(pool, fmt.Sprintf("user%02d", i), "email", fmt.Sprintf("u%02d@example.com", i), "family_name", map[bool]string{true: "Reddy", false: "Smith"}[i%5 == 0])
	}
	var names []string
	var token *string
	for {
		out := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Limit: aws.Int32(10), PaginationToken: token}))
		for _, u := range out.Users {
			names = append(names, *u.Username)
		}
		if out.PaginationToken == nil {
			break
		}
		token = out.PaginationToken
	}
	if len(names) != 25 || names[0] != "user00" || names[24] != "user24" {
		t.Fatalf("pages gave %d users: %v", len(names), names)
	}
	cases := map[string]int{
		`family_name = "Reddy"`:                         5,
		`family_name = \"Reddy\"`:                       -1,
		`email ^= "u1"`:                                 10,
		`email = "u07@example.com"`:                     1,
		`username ^= "user2"`:                           5,
		`cognito:user_status = "force_change_password"`: 25,
		`status = "Enabled"`:                            25,
		`status = "Disabled"`:                           0,
		`given_name = "nobody"`:                         0,
		`  email   =   "u03@example.com" `:              1,
	}
	for f, want := range cases {
		out, err := e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(f)})
		if want < 0 {
			wantErr(t, err, "InvalidParameterException", "Error while parsing filter.")
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(out.Users) != want {
			t.Fatalf("%s: %d users, want %d", f, len(out.Users), want)
		}
	}
	_, err := e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`custom:x = "1"`)})
	wantErr(t, err, "InvalidParameterException", "Invalid search attribute: custom:x")
	_, err = e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, PaginationToken: aws.String("forged-token")})
	wantErr(t, err, "InvalidParameterException", "Invalid pagination token.")
	out := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Limit: aws.Int32(1), AttributesToGet: []string{"email"}}))
	if len(out.Users[0].Attributes) != 1 || *out.Users[0].Attributes[0].Name != "email" || *out.Users[0].Username != "user00" {
		t.Fatalf("AttributesToGet: %+v", out.Users[0])
	}
}

func TestUpdateAndDeleteAttributes(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)}}})
	e.user(pool, "jill", "email", "jill@example.com", "email_verified", "true", "custom:tenant", "acme")
	upd := func(name, value string) error {
		_, err := e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("jill"),
			UserAttributes: []types.AttributeType{{Name: aws.String(name), Value: aws.String(value)}}})
		return err
	}
	if err := upd("email", "jill@new.example.com"); err != nil {
		t.Fatal(err)
	}
	a := e.attrs(pool, "jill")
	if a["email"] != "jill@new.example.com" || a["email_verified"] != "false" {
		t.Fatalf("after email change: %v", a)
	}
	wantErr(t, upd("custom:tenant", "other"), "InvalidParameterException", "Invalid user attributes: custom:tenant: Attribute cannot be updated.")
	wantErr(t, upd("identities", "[]"), "InvalidParameterException", "Invalid user attributes: identities: Attribute cannot be updated.")
	wantErr(t, upd("email", "not-an-email"), "InvalidParameterException", "Invalid email address format.")
	_, err := e.c.AdminDeleteUserAttributes(e.ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: &pool, Username: aws.String("jill"), UserAttributeNames: []string{"identities"}})
	wantErr(t, err, "InvalidParameterException", "Invalid user attributes: identities: Attribute cannot be updated.")
	must[*cip.AdminDeleteUserAttributesOutput](t)(e.c.AdminDeleteUserAttributes(e.ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: &pool, Username: aws.String("jill"), UserAttributeNames: []string{"email"}}))
	if _, has := e.attrs(pool, "jill")["email"]; has {
		t.Fatal("email not deleted")
	}
}

func TestEnableDisableAndPassword(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	e.user(pool, "kim")
	must[*cip.AdminDisableUserOutput](t)(e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: aws.String("kim")}))
	lu := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`status = "Disabled"`)}))
	if len(lu.Users) != 1 || lu.Users[0].Enabled {
		t.Fatalf("disabled list: %+v", lu.Users)
	}
	must[*cip.AdminEnableUserOutput](t)(e.c.AdminEnableUser(e.ctx, &cip.AdminEnableUserInput{UserPoolId: &pool, Username: aws.String("kim")}))
	_, err := e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("kim"), Password: aws.String("NoDigits!!"), Permanent: true})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password must have numeric characters")
	must[*cip.AdminSetUserPasswordOutput](t)(e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("kim"), Password: aws.String("Str0ng!Passw0rd"), Permanent: true}))
	got := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("kim")}))
	if got.UserStatus != types.UserStatusTypeConfirmed || !got.Enabled {
		t.Fatalf("after permanent password: %v %v", got.UserStatus, got.Enabled)
	}
	_, err = e.c.AdminDeleteUser(e.ctx, &cip.AdminDeleteUserInput{UserPoolId: &pool, Username: aws.String("nobody")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
}
