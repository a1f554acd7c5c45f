package e2e

import (
	"crypto/x509"
	"encoding/base64"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Tags: set at creation, then added, replaced and removed by ARN; kept by
// an UpdateUserPool that leaves them out.
func TestUserPoolTags(t *testing.T) {
	e := newEnv(t)
	id := e.pool(&cip.CreateUserPoolInput{PoolName: aws.String("tagged"), UserPoolTags: map[string]string{"team": "id", "env": "dev"}})
	arn := "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + id
	tags := func() map[string]string {
		t.Helper()
		out := must[*cip.ListTagsForResourceOutput](t)(e.c.ListTagsForResource(e.ctx, &cip.ListTagsForResourceInput{ResourceArn: &arn}))
		d := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id}))
		if !maps.Equal(out.Tags, d.UserPool.UserPoolTags) {
			t.Fatalf("ListTagsForResource %v, DescribeUserPool %v", out.Tags, d.UserPool.UserPoolTags)
		}
		return out.Tags
	}
	if got := tags(); !maps.Equal(got, map[string]string{"team": "id", "env": "dev"}) {
		t.Fatalf("tags at creation: %v", got)
	}
	before := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).UserPool.LastModifiedDate

	must[*cip.TagResourceOutput](t)(e.c.TagResource(e.ctx, &cip.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"env": "prod", "cost": ""}}))
	must[*cip.UntagResourceOutput](t)(e.c.UntagResource(e.ctx, &cip.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team", "absent"}}))
	if got := tags(); !maps.Equal(got, map[string]string{"env": "prod", "cost": ""}) {
		t.Fatalf("after tag and untag: %v", got)
	}
	after := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).UserPool.LastModifiedDate
	if !after.Equal(*before) {
		t.Fatalf("tagging changed LastModifiedDate: %v -> %v", before, after)
	}
	must[*cip.UpdateUserPoolOutput](t)(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &id}))
	if got := tags(); !maps.Equal(got, map[string]string{"env": "prod", "cost": ""}) {
		t.Fatalf("after an update without tags: %v", got)
	}
	must[*cip.UpdateUserPoolOutput](t)(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &id, UserPoolTags: map[string]string{"only": "this"}}))
	if got := tags(); !maps.Equal(got, map[string]string{"only": "this"}) {
		t.Fatalf("after an update with tags: %v", got)
	}

	// At most 50 tags: a request that would pass that changes nothing.
	many := map[string]string{}
	for i := range 50 {
		many[string(rune('A'+i/26))+string(rune('a'+i%26))] = "v"
	}
	_, err := e.c.TagResource(e.ctx, &cip.TagResourceInput{ResourceArn: &arn, Tags: many})
	wantErr(t, err, "InvalidParameterException", "A user pool can have at most 50 tags; this request would give it 51.")
	if got := tags(); len(got) != 1 {
		t.Fatalf("a refused TagResource changed the tags: %v", got)
	}

	// ARNs that name no pool of this account and Region, and one that is not a pool's.
	for _, bad := range []string{
		"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_nothere",
		"arn:aws:cognito-idp:us-east-1:999999999999:userpool/" + id,
		"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/" + id,
	} {
		_, err = e.c.ListTagsForResource(e.ctx, &cip.ListTagsForResourceInput{ResourceArn: aws.String(bad)})
		wantErr(t, err, "ResourceNotFoundException", "The resource "+bad+" does not exist.")
	}
	_, err = e.c.TagResource(e.ctx, &cip.TagResourceInput{ResourceArn: aws.String("arn:aws:s3:us-east-1:123456789012:bucket/b"), Tags: map[string]string{"a": "b"}})
	wantErr(t, err, "InvalidParameterException", "arn:aws:s3:us-east-1:123456789012:bucket/b is not the ARN of a user pool.")
}

// The MFA configuration is kept and reported as set, with DescribeUserPool
// agreeing on MfaConfiguration and the SMS message.
func TestUserPoolMfaConfig(t *testing.T) {
	e := newEnv(t)
	id := e.pool(nil)
	get := func() *cip.GetUserPoolMfaConfigOutput {
		t.Helper()
		return must[*cip.GetUserPoolMfaConfigOutput](t)(e.c.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: &id}))
	}
	if g := get(); g.MfaConfiguration != types.UserPoolMfaTypeOff || g.SoftwareTokenMfaConfiguration != nil || g.SmsMfaConfiguration != nil {
		t.Fatalf("a new pool's MFA configuration: %+v", g)
	}
	_, err := e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &id, MfaConfiguration: types.UserPoolMfaTypeOn})
	wantErr(t, err, "InvalidParameterException", "At least one MFA method must be enabled when MfaConfiguration is ON.")
	if g := get(); g.MfaConfiguration != types.UserPoolMfaTypeOff {
		t.Fatalf("a refused change was kept: %s", g.MfaConfiguration)
	}
	set := must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId:                    &id,
		MfaConfiguration:              types.UserPoolMfaTypeOptional,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
		SmsMfaConfiguration:           &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}")},
	}))
	g := get()
	for _, c := range []struct {
		mfa  types.UserPoolMfaType
		totp *types.SoftwareTokenMfaConfigType
		sms  *types.SmsMfaConfigType
	}{{set.MfaConfiguration, set.SoftwareTokenMfaConfiguration, set.SmsMfaConfiguration}, {g.MfaConfiguration, g.SoftwareTokenMfaConfiguration, g.SmsMfaConfiguration}} {
		if c.mfa != types.UserPoolMfaTypeOptional || c.totp == nil || !c.totp.Enabled || c.sms == nil || aws.ToString(c.sms.SmsAuthenticationMessage) != "Your code is {####}" {
			t.Fatalf("MFA configuration as answered: %+v", c)
		}
	}
	d := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).UserPool
	if d.MfaConfiguration != types.UserPoolMfaTypeOptional || aws.ToString(d.SmsAuthenticationMessage) != "Your code is {####}" {
		t.Fatalf("DescribeUserPool: %s %q", d.MfaConfiguration, aws.ToString(d.SmsAuthenticationMessage))
	}
	// Switched off again, as Terraform does for a pool without MFA.
	must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &id, MfaConfiguration: types.UserPoolMfaTypeOff}))
	if g := get(); g.MfaConfiguration != types.UserPoolMfaTypeOff || g.SoftwareTokenMfaConfiguration != nil {
		t.Fatalf("after OFF: %+v", g)
	}
	_, err = e.c.GetUserPoolMfaConfig(e.ctx, &cip.GetUserPoolMfaConfigInput{UserPoolId: aws.String("us-east-1_nothere")})
	wantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_nothere does not exist.")
}

// Custom attributes added to a pool's schema can then be written.
func TestAddCustomAttributes(t *testing.T) {
	e := newEnv(t)
	id := e.pool(&cip.CreateUserPoolInput{PoolName: aws.String("growing"), Schema: []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString}}})
	_, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String("ann"),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:plan"), Value: aws.String("gold")}}})
	wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: custom:plan: Attribute does not exist in the schema.")

	must[*cip.AddCustomAttributesOutput](t)(e.c.AddCustomAttributes(e.ctx, &cip.AddCustomAttributesInput{UserPoolId: &id, CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("plan"), AttributeDataType: types.AttributeDataTypeString, StringAttributeConstraints: &types.StringAttributeConstraintsType{MaxLength: aws.String("8")}},
		{Name: aws.String("seats"), AttributeDataType: types.AttributeDataTypeNumber},
	}}))
	d := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).UserPool
	found := map[string]types.AttributeDataType{}
	for _, a := range d.SchemaAttributes {
		found[aws.ToString(a.Name)] = a.AttributeDataType
	}
	if found["custom:plan"] != types.AttributeDataTypeString || found["custom:seats"] != types.AttributeDataTypeNumber || found["custom:tenant"] == "" {
		t.Fatalf("schema after AddCustomAttributes: %v", found)
	}
	e.user(id, "ann", "custom:plan", "gold", "custom:seats", "3")
	if a := e.attrs(id, "ann"); a["custom:plan"] != "gold" || a["custom:seats"] != "3" {
		t.Fatalf("attributes: %v", a)
	}
	_, err = e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &id, Username: aws.String("ann"),
		UserAttributes: []types.AttributeType{{Name: aws.String("custom:plan"), Value: aws.String("platinum1")}}})
	wantErr(t, err, "InvalidParameterException", "Attributes did not conform to the schema: custom:plan: String must be no longer than 8 characters")

	// A name the schema has, in the same request or before: nothing is added.
	_, err = e.c.AddCustomAttributes(e.ctx, &cip.AddCustomAttributesInput{UserPoolId: &id, CustomAttributes: []types.SchemaAttributeType{
		{Name: aws.String("region"), AttributeDataType: types.AttributeDataTypeString},
		{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString},
	}})
	wantErr(t, err, "InvalidParameterException", "Existing attribute already has name custom:tenant.")
	_, err = e.c.AddCustomAttributes(e.ctx, &cip.AddCustomAttributesInput{UserPoolId: &id, CustomAttributes: []types.SchemaAttributeType{{Name: aws.String("level"), Required: aws.Bool(true)}}})
	wantErr(t, err, "InvalidParameterException", "Required custom attributes are not supported currently.")
	after := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &id})).UserPool
	if len(after.SchemaAttributes) != len(d.SchemaAttributes) {
		t.Fatalf("a refused request changed the schema: %d attributes, then %d", len(d.SchemaAttributes), len(after.SchemaAttributes))
	}
}

// GetSigningCertificate answers the certificate the pool's SAML SP metadata
// publishes, named for the pool.
func TestGetSigningCertificate(t *testing.T) {
	f := newFedEnv(t, nil)
	out := must[*cip.GetSigningCertificateOutput](t)(f.c.GetSigningCertificate(f.ctx, &cip.GetSigningCertificateInput{UserPoolId: &f.pool}))
	der, err := base64.StdEncoding.DecodeString(aws.ToString(out.Certificate))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "urn:amazon:cognito:sp:"+f.pool || cert.NotAfter.Before(time.Now().AddDate(9, 11, 0)) {
		t.Fatalf("certificate: %s, until %s", cert.Subject, cert.NotAfter)
	}
	if _, meta := fetch(t, http.DefaultClient, f.url+"/saml2/metadata?userPoolId="+f.pool, nil); !strings.Contains(meta, aws.ToString(out.Certificate)) {
		t.Fatal("the SP metadata does not publish the certificate GetSigningCertificate answers")
	}
	again := must[*cip.GetSigningCertificateOutput](t)(f.c.GetSigningCertificate(f.ctx, &cip.GetSigningCertificateInput{UserPoolId: &f.pool}))
	if aws.ToString(again.Certificate) != aws.ToString(out.Certificate) {
		t.Fatal("the certificate changed between two calls")
	}
	_, err = f.c.GetSigningCertificate(f.ctx, &cip.GetSigningCertificateInput{UserPoolId: aws.String("us-east-1_nothere")})
	wantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_nothere does not exist.")
}
