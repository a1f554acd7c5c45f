package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Log delivery: set, read back, checked as Cognito checks it, and kept by
// an UpdateUserPool that leaves it out.
func TestLogDeliveryConfiguration(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	get := func() []types.LogConfigurationType {
		return must[*cip.GetLogDeliveryConfigurationOutput](t)(e.c.GetLogDeliveryConfiguration(e.ctx, &cip.GetLogDeliveryConfigurationInput{UserPoolId: &pool})).LogDeliveryConfiguration.LogConfigurations
	}
	if got := get(); len(got) != 0 {
		t.Fatalf("a new pool's log delivery: %+v", got)
	}
	group := &types.CloudWatchLogsConfigurationType{LogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:/cognito/errors")}
	bucket := &types.S3ConfigurationType{BucketArn: aws.String("arn:aws:s3:::cognito-activity")}
	set := func(list ...types.LogConfigurationType) error {
		_, err := e.c.SetLogDeliveryConfiguration(e.ctx, &cip.SetLogDeliveryConfigurationInput{UserPoolId: &pool, LogConfigurations: list})
		return err
	}
	wantErr(t, set(types.LogConfigurationType{EventSource: types.EventSourceNameUserNotification, LogLevel: types.LogLevelError, S3Configuration: bucket}),
		"InvalidParameterException", "userNotification logs are delivered at LogLevel ERROR to CloudWatch Logs.")
	wantErr(t, set(types.LogConfigurationType{EventSource: types.EventSourceNameUserAuthEvents, LogLevel: types.LogLevelInfo, S3Configuration: bucket, CloudWatchLogsConfiguration: group}),
		"InvalidParameterException", "A log configuration needs exactly one destination: CloudWatchLogsConfiguration, S3Configuration or FirehoseConfiguration.")
	if err := set(types.LogConfigurationType{EventSource: types.EventSourceNameUserNotification, LogLevel: types.LogLevelError, CloudWatchLogsConfiguration: group},
		types.LogConfigurationType{EventSource: types.EventSourceNameUserAuthEvents, LogLevel: types.LogLevelInfo, S3Configuration: bucket}); err != nil {
		t.Fatal(err)
	}
	must[*cip.UpdateUserPoolOutput](t)(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &pool}))
	if got := get(); len(got) != 2 || aws.ToString(got[1].S3Configuration.BucketArn) != "arn:aws:s3:::cognito-activity" {
		t.Fatalf("log delivery after UpdateUserPool: %+v", got)
	}
}

// Terms documents: one of each name per client, described, listed,
// updated and deleted; kept by UpdateUserPool.
func TestTerms(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	create := func(name string, links map[string]string) (*cip.CreateTermsOutput, error) {
		return e.c.CreateTerms(e.ctx, &cip.CreateTermsInput{UserPoolId: &pool, ClientId: &clientID, TermsName: &name,
			TermsSource: types.TermsSourceTypeLink, Enforcement: types.TermsEnforcementTypeNone, Links: links})
	}
	tou := must[*cip.CreateTermsOutput](t)(create("terms-of-use", map[string]string{"cognito:default": "https://example.com/terms", "cognito:french": "https://example.com/fr/terms"})).Terms
	if aws.ToString(tou.ClientId) != clientID || tou.CreationDate == nil || tou.Links["cognito:french"] != "https://example.com/fr/terms" {
		t.Fatalf("CreateTerms %+v", tou)
	}
	_, err := create("terms-of-use", map[string]string{"cognito:default": "https://example.com/terms2"})
	wantErr(t, err, "TermsExistsException", "Terms terms-of-use already exist for client "+clientID+".")
	_, err = create("privacy-policy", map[string]string{"cognito:default": "javascript:alert(1)"})
	wantErr(t, err, "InvalidParameterException", `Links value "javascript:alert(1)" is not an http or https URL.`)
	pp := must[*cip.CreateTermsOutput](t)(create("privacy-policy", map[string]string{"cognito:default": "https://example.com/privacy"})).Terms

	upd := must[*cip.UpdateTermsOutput](t)(e.c.UpdateTerms(e.ctx, &cip.UpdateTermsInput{UserPoolId: &pool, TermsId: pp.TermsId,
		Links: map[string]string{"cognito:default": "https://example.com/privacy-v2"}})).Terms
	if upd.Links["cognito:default"] != "https://example.com/privacy-v2" || aws.ToString(upd.TermsName) != "privacy-policy" {
		t.Fatalf("UpdateTerms %+v", upd)
	}
	_, err = e.c.UpdateTerms(e.ctx, &cip.UpdateTermsInput{UserPoolId: &pool, TermsId: pp.TermsId, TermsName: aws.String("terms-of-use")})
	wantErr(t, err, "TermsExistsException", "Terms terms-of-use already exist for client "+clientID+".")

	must[*cip.UpdateUserPoolOutput](t)(e.c.UpdateUserPool(e.ctx, &cip.UpdateUserPoolInput{UserPoolId: &pool}))
	page1 := must[*cip.ListTermsOutput](t)(e.c.ListTerms(e.ctx, &cip.ListTermsInput{UserPoolId: &pool, MaxResults: aws.Int32(1)}))
	page2 := must[*cip.ListTermsOutput](t)(e.c.ListTerms(e.ctx, &cip.ListTermsInput{UserPoolId: &pool, MaxResults: aws.Int32(1), NextToken: page1.NextToken}))
	if len(page1.Terms) != 1 || len(page2.Terms) != 1 || aws.ToString(page1.Terms[0].TermsId) != aws.ToString(tou.TermsId) ||
		aws.ToString(page2.Terms[0].TermsId) != aws.ToString(pp.TermsId) || page2.NextToken != nil {
		t.Fatalf("ListTerms %+v %+v", page1, page2)
	}
	must[*cip.DeleteTermsOutput](t)(e.c.DeleteTerms(e.ctx, &cip.DeleteTermsInput{UserPoolId: &pool, TermsId: tou.TermsId}))
	_, err = e.c.DescribeTerms(e.ctx, &cip.DescribeTermsInput{UserPoolId: &pool, TermsId: tou.TermsId})
	wantErr(t, err, "ResourceNotFoundException", "Terms not found.")
	if d := must[*cip.DescribeTermsOutput](t)(e.c.DescribeTerms(e.ctx, &cip.DescribeTermsInput{UserPoolId: &pool, TermsId: pp.TermsId})); aws.ToString(d.Terms.TermsId) != aws.ToString(pp.TermsId) {
		t.Fatalf("DescribeTerms %+v", d.Terms)
	}
}

// Managed login branding: one per client, with settings and assets,
// described by id and by client, replaced, deleted with its client.
func TestManagedLoginBranding(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	settings := document.NewLazyDocument(map[string]any{"categories": map[string]any{"global": map[string]any{"colorSchemeMode": "DARK"}}})
	logo := types.AssetType{Category: types.AssetCategoryTypePageHeaderLogo, ColorMode: types.ColorSchemeModeTypeDark, Extension: types.AssetExtensionTypePng,
		Bytes: []byte("\x89PNG\r\n\x1a\n")}
	b := must[*cip.CreateManagedLoginBrandingOutput](t)(e.c.CreateManagedLoginBranding(e.ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: &pool,
		ClientId: &clientID, Settings: settings, Assets: []types.AssetType{logo}})).ManagedLoginBranding
	if b.ManagedLoginBrandingId == nil || len(b.Assets) != 1 || string(b.Assets[0].Bytes) != "\x89PNG\r\n\x1a\n" || b.CreationDate == nil {
		t.Fatalf("CreateManagedLoginBranding %+v", b)
	}
	_, err := e.c.CreateManagedLoginBranding(e.ctx, &cip.CreateManagedLoginBrandingInput{UserPoolId: &pool, ClientId: &clientID, UseCognitoProvidedValues: true})
	wantErr(t, err, "ManagedLoginBrandingExistsException", "Managed login branding already exists for client "+clientID+".")
	byClient := must[*cip.DescribeManagedLoginBrandingByClientOutput](t)(e.c.DescribeManagedLoginBrandingByClient(e.ctx,
		&cip.DescribeManagedLoginBrandingByClientInput{UserPoolId: &pool, ClientId: &clientID})).ManagedLoginBranding
	var got map[string]any
	if err := byClient.Settings.UnmarshalSmithyDocument(&got); err != nil || aws.ToString(byClient.ManagedLoginBrandingId) != aws.ToString(b.ManagedLoginBrandingId) ||
		got["categories"].(map[string]any)["global"].(map[string]any)["colorSchemeMode"] != "DARK" {
		t.Fatalf("by client: %+v %v %v", byClient, got, err)
	}
	_, err = e.c.UpdateManagedLoginBranding(e.ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: &pool, ManagedLoginBrandingId: b.ManagedLoginBrandingId,
		UseCognitoProvidedValues: true, Assets: []types.AssetType{logo}})
	wantErr(t, err, "InvalidParameterException", "With UseCognitoProvidedValues true, leave Settings and Assets out.")
	upd := must[*cip.UpdateManagedLoginBrandingOutput](t)(e.c.UpdateManagedLoginBranding(e.ctx, &cip.UpdateManagedLoginBrandingInput{UserPoolId: &pool,
		ManagedLoginBrandingId: b.ManagedLoginBrandingId, UseCognitoProvidedValues: true})).ManagedLoginBranding
	if !upd.UseCognitoProvidedValues || len(upd.Assets) != 0 || upd.Settings != nil {
		t.Fatalf("UpdateManagedLoginBranding %+v", upd)
	}
	must[*cip.DeleteUserPoolClientOutput](t)(e.c.DeleteUserPoolClient(e.ctx, &cip.DeleteUserPoolClientInput{UserPoolId: &pool, ClientId: &clientID}))
	_, err = e.c.DescribeManagedLoginBranding(e.ctx, &cip.DescribeManagedLoginBrandingInput{UserPoolId: &pool, ManagedLoginBrandingId: b.ManagedLoginBrandingId})
	wantErr(t, err, "ResourceNotFoundException", "Managed login branding does not exist.")
}
