package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// UI customization: the pool's look for all clients or one, checked as
// Cognito checks it, and applied to the hosted sign-in page.
func TestUICustomization(t *testing.T) {
	f := newFedEnv(t, nil)
	set := func(client *string, css string, img []byte) (*cip.SetUICustomizationOutput, error) {
		return f.c.SetUICustomization(f.ctx, &cip.SetUICustomizationInput{UserPoolId: &f.pool, ClientId: client, CSS: aws.String(css), ImageFile: img})
	}
	_, err := set(nil, "", nil)
	wantErr(t, err, "InvalidParameterException", "There has to be an existing domain associated with this user pool")
	must[*cip.CreateUserPoolDomainOutput](t)(f.c.CreateUserPoolDomain(f.ctx, &cip.CreateUserPoolDomainInput{UserPoolId: &f.pool, Domain: aws.String("looks")}))

	logo := tinyPNG(t)
	all := must[*cip.SetUICustomizationOutput](t)(set(nil, ".submitButton-customizable { background-color: #123456; }", logo)).UICustomization
	if aws.ToString(all.ClientId) != "ALL" || aws.ToString(all.CSSVersion) == "" || !strings.Contains(aws.ToString(all.ImageUrl), "/_cognitod/ui-image/"+f.pool+"/ALL") || all.CreationDate == nil {
		t.Fatalf("ALL: %+v", all)
	}
	// A client without its own look has the pool's.
	got := must[*cip.GetUICustomizationOutput](t)(f.c.GetUICustomization(f.ctx, &cip.GetUICustomizationInput{UserPoolId: &f.pool, ClientId: &f.clientID})).UICustomization
	if aws.ToString(got.ClientId) != "ALL" || !strings.Contains(aws.ToString(got.CSS), "#123456") {
		t.Fatalf("client falling back to ALL: %+v", got)
	}
	page := func() string {
		t.Helper()
		q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {appCallback}, "scope": {"openid"}}
		_, body := fetch(t, browser(), f.url+"/login?"+q.Encode(), nil)
		return body
	}
	if p := page(); !strings.Contains(p, "<style>.submitButton-customizable { background-color: #123456; }</style>") || !strings.Contains(p, `class="logo-customizable"`) {
		t.Fatalf("login page without the pool's look:\n%s", p)
	}
	resp, served := fetch(t, http.DefaultClient, aws.ToString(all.ImageUrl), nil)
	if resp.Header.Get("Content-Type") != "image/png" || served != string(logo) {
		t.Fatalf("logo: %s, %d bytes", resp.Header.Get("Content-Type"), len(served))
	}

	// The client's own look wins.
	must[*cip.SetUICustomizationOutput](t)(set(&f.clientID, ".label-customizable { color: red; }\n.submitButton-customizable:hover, .inputField-customizable:focus { color: blue; }", nil))
	got = must[*cip.GetUICustomizationOutput](t)(f.c.GetUICustomization(f.ctx, &cip.GetUICustomizationInput{UserPoolId: &f.pool, ClientId: &f.clientID})).UICustomization
	if aws.ToString(got.ClientId) != f.clientID || !strings.Contains(aws.ToString(got.CSS), "color: red") || got.ImageUrl != nil {
		t.Fatalf("client's own: %+v", got)
	}
	if p := page(); !strings.Contains(p, "color: red") || strings.Contains(p, "#123456") || strings.Contains(p, "logo-customizable\" src") {
		t.Fatal("login page without the client's own look")
	}
	pool := must[*cip.GetUICustomizationOutput](t)(f.c.GetUICustomization(f.ctx, &cip.GetUICustomizationInput{UserPoolId: &f.pool})).UICustomization
	if aws.ToString(pool.ClientId) != "ALL" || !strings.Contains(aws.ToString(pool.CSS), "#123456") {
		t.Fatalf("the pool's look after a client's: %+v", pool)
	}

	// What Cognito refuses, refused; nothing changes.
	for css, msg := range map[string]string{
		".evil { color: red; }":                        `CSS selector ".evil" is not one of the customizable classes.`,
		"body { color: red; }":                         `CSS selector "body" is not one of the customizable classes.`,
		"</style><script>alert(1)</script>":            "CSS may not contain <, >, @ or \\.",
		"@import url(https://example.com/x.css);":      "CSS may not contain <, >, @ or \\.",
		".label-customizable { color: red; } trailing": "CSS is not a list of rules: text after the last }.",
		".label-customizable { a { color: red; } }":    `CSS is not a list of rules: ".label-customizable { a { color: red;".`,
	} {
		_, err := set(&f.clientID, css, nil)
		wantErr(t, err, "InvalidParameterException", msg)
	}
	_, err = set(&f.clientID, "", []byte("GIF89a not a png"))
	wantErr(t, err, "InvalidParameterException", "The image file must be a PNG or JPEG image.")
	_, err = set(aws.String("nosuchclient"), "", nil)
	wantErr(t, err, "ResourceNotFoundException", "User pool client nosuchclient does not exist.")
	if p := page(); !strings.Contains(p, "color: red") {
		t.Fatal("a refused request changed the client's look")
	}
	// DescribeUserPool does not show it.
	d := must[*cip.DescribeUserPoolOutput](t)(f.c.DescribeUserPool(f.ctx, &cip.DescribeUserPoolInput{UserPoolId: &f.pool}))
	if d.UserPool == nil || d.UserPool.Domain == nil {
		t.Fatal("describe")
	}
	status, _, raw := rawCall(t, f.url, "DescribeUserPool", `{"UserPoolId":"`+f.pool+`"}`, signWith(testKeyID, testSecret, "us-east-1", time.Now()))
	for k := range raw["UserPool"].(map[string]any) {
		if strings.HasPrefix(k, "cognitod:") || status != 200 {
			t.Fatalf("DescribeUserPool shows %s (%d)", k, status)
		}
	}
}
