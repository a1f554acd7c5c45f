package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestUserPoolLifecycle(t *testing.T) {
	e := newEnv(t)
	out := must[*cip.CreateUserPoolOutput](t)(e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("shop"),
		Schema: []types.SchemaAttributeType{
			{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
			{Name: aws.String("email"), Required: aws.Bool(true), Mutable: aws.Bool(true)},
		},
		Policies:           &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(10), RequireSymbols: false}},
		LambdaConfig:       &types.LambdaConfigType{PostAuthentication: aws.String("arn:aws:lambda:us-east-1:123456789012:function:post")},
		DeletionProtection: types.DeletionProtectionTypeActive,
	}))
	p := out.UserPool
	if *p.Name != "shop" || p.CreationDate == nil || *p.Arn != "arn:aws:cognito-idp:us-east-1:123456789012:userpool/"+*p.Id {
		t.Fatalf("pool = %+v", p)
	}
	if *p.Policies.PasswordPolicy.MinimumLength != 10 || p.Policies.PasswordPolicy.RequireSymbols || p.MfaConfiguration != types.UserPoolMfaTypeOff {
		t.Fatalf("policy = %+v", p.Policies.PasswordPolicy)
	}
	var tenant, email *types.SchemaAttributeType
	for i, a := range p.SchemaAttributes {
		switch *a.Name {
		case "custom:tenant":
			tenant = &p.SchemaAttributes[i]
		case "email":
			email = &p.SchemaAttributes[i]
		}
	}
	if tenant == nil || *tenant.Mutable || email == nil || !*email.Required {
		t.Fatalf("schema: tenant %+v email %+v", tenant, email)
	}
	if p.UsernameConfiguration == nil || !*p.UsernameConfiguration.CaseSensitive {
		t.Fatal("UsernameConfiguration.CaseSensitive must default to true")
	}
	id := *p.Id
	// Required attribute enforced.
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("x")})
	wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: email: The attribute is required")
	e.user(id, "lee", "email", "lee@example.com")
	d := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id}))
	if d.UserPool.EstimatedNumberOfUsers != 1 || *d.UserPool.LambdaConfig.PostAuthentication == "" {
		t.Fatalf("describe = %+v", d.UserPool)
	}
	// Update replaces changeable settings; schema stays.
	must[*cip.UpdateUserPoolOutput](t)(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &id, MfaConfiguration: types.UserPoolMfaTypeOff}))
	d = must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id}))
	if d.UserPool.LambdaConfig.PostAuthentication != nil || *d.UserPool.Policies.PasswordPolicy.MinimumLength != 8 || len(d.UserPool.SchemaAttributes) != len(p.SchemaAttributes) {
		t.Fatalf("after update: %+v", d.UserPool)
	}
	if d.UserPool.DeletionProtection != types.DeletionProtectionTypeInactive {
		t.Fatalf("DeletionProtection after update = %s", d.UserPool.DeletionProtection)
	}
	// Deletion protection.
	must[*cip.UpdateUserPoolOutput](t)(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &id, DeletionProtection: types.DeletionProtectionTypeActive}))
	_, err = e.c.DeleteUserPool(e.ctx, &cip.DeleteUserPoolInput{UserPoolId: &id})
	wantErr(t, err, "InvalidParameterException", "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
	must[*cip.UpdateUserPoolOutput](t)(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &id}))
	must[*cip.DeleteUserPoolOutput](t)(e.c.DeleteUserPool(e.ctx, &cip.DeleteUserPoolInput{UserPoolId: &id}))
	_, err = e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})
	wantErr(t, err, "ResourceNotFoundException", "User pool "+id+" does not exist.")
	_, err = e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &id, Username: aws.String("lee")})
	wantErr(t, err, "ResourceNotFoundException", "User pool "+id+" does not exist.")
}

func TestListUserPoolsPages(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 7; i++ {
		e.pool(nil)
	}
	seen := 0
	var token *string
	for {
		out := must[*cip.ListUserPoolsOutput](t)(e.c.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(3), NextToken: token}))
		seen += len(out.UserPools)
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	if seen != 7 {
		t.Fatalf("listed %d pools", seen)
	}
}

func TestSchemaErrors(t *testing.T) {
	e := newEnv(t)
	_, err := e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), Schema: []types.SchemaAttributeType{{Name: aws.String("dept"), Required: aws.Bool(true)}}})
	wantErr(t, err, "InvalidParameterException", "Required custom attributes are not supported currently.")
	_, err = e.c.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"),
		UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail}, AliasAttributes: []types.AliasAttributeType{types.AliasAttributeTypeEmail}})
	wantErr(t, err, "InvalidParameterException", "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	list := must[*cip.ListUserPoolsOutput](t)(e.c.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(10)}))
	if len(list.UserPools) != 0 {
		t.Fatal("a refused CreateUserPool left a pool behind")
	}
}
