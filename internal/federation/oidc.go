package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Provider is an identity provider as the pool configures it.
type Provider struct {
	Name    string
	Type    string // Google, Facebook, LoginWithAmazon, SignInWithApple, OIDC
	Details map[string]string
}

// Client talks to identity providers with one outbound HTTP client.
type Client struct {
	HTTP *http.Client
}

// Error is an IdP failure, worded for error_description.
type Error struct{ Description string }

func (e *Error) Error() string { return e.Description }

func fail(format string, args ...any) error { return &Error{Description: fmt.Sprintf(format, args...)} }

// subjectClaim is the claim that names the user at each provider type.
var subjectClaim = map[string]string{"Google": "sub", "Facebook": "id", "LoginWithAmazon": "user_id", "SignInWithApple": "sub", "OIDC": "sub"}

type endpoints struct {
	issuer, authURL, tokenURL, jwksURL, userinfoURL string
}

func (c *Client) ctx(ctx context.Context) context.Context {
	if c.HTTP == nil {
		return ctx
	}
	return oidc.ClientContext(ctx, c.HTTP)
}

// resolve finds the provider's endpoints: explicit ProviderDetails first,
// the issuer's discovery document for whatever is missing.
func (c *Client) resolve(ctx context.Context, p Provider) (endpoints, error) {
	d := p.Details
	e := endpoints{issuer: d["oidc_issuer"], authURL: d["authorize_url"], tokenURL: d["token_url"], jwksURL: d["jwks_uri"], userinfoURL: d["attributes_url"]}
	usesIDToken := p.Type == "OIDC" || p.Type == "Google" || p.Type == "SignInWithApple"
	if usesIDToken && (e.authURL == "" || e.tokenURL == "" || e.jwksURL == "") {
		if e.issuer == "" {
			return e, fail("oidc_issuer is not set for %s", p.Name)
		}
		disc, err := oidc.NewProvider(c.ctx(ctx), e.issuer)
		if err != nil {
			return e, fail("Unable to retrieve the discovery document of %s", p.Name)
		}
		var doc struct {
			Auth     string `json:"authorization_endpoint"`
			Token    string `json:"token_endpoint"`
			JWKS     string `json:"jwks_uri"`
			UserInfo string `json:"userinfo_endpoint"`
		}
		_ = disc.Claims(&doc)
		if e.authURL == "" {
			e.authURL = doc.Auth
		}
		if e.tokenURL == "" {
			e.tokenURL = doc.Token
		}
		if e.jwksURL == "" {
			e.jwksURL = doc.JWKS
		}
		if e.userinfoURL == "" {
			e.userinfoURL = doc.UserInfo
		}
	}
	if e.authURL == "" || e.tokenURL == "" {
		return e, fail("%s has no authorize or token endpoint", p.Name)
	}
	return e, nil
}

func (c *Client) oauth(p Provider, e endpoints, redirectURI string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if p.Type == "OIDC" {
		style = oauth2.AuthStyleAutoDetect
	}
	return &oauth2.Config{
		ClientID: p.Details["client_id"], ClientSecret: p.Details["client_secret"], RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: e.authURL, TokenURL: e.tokenURL, AuthStyle: style},
		Scopes:   strings.FieldsFunc(p.Details["authorize_scopes"], func(r rune) bool { return r == ' ' || r == ',' }),
	}
}

// AuthCodeURL is where the browser goes to sign in at the IdP.
func (c *Client) AuthCodeURL(ctx context.Context, p Provider, redirectURI, state, nonce string) (string, error) {
	e, err := c.resolve(ctx, p)
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{}
	if nonce != "" && p.Type != "Facebook" && p.Type != "LoginWithAmazon" {
		opts = append(opts, oidc.Nonce(nonce))
	}
	if p.Type == "SignInWithApple" {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", "form_post"))
	}
	return c.oauth(p, e, redirectURI).AuthCodeURL(state, opts...), nil
}

// Exchange redeems the IdP's code and answers the user's subject and
// claims: for ID-token providers the token is verified (signature by the
// JWKS, issuer, audience = client_id, expiry, nonce) before anything is
// read; userinfo adds to its claims.
func (c *Client) Exchange(ctx context.Context, p Provider, redirectURI, code, nonce string) (string, map[string]any, error) {
	e, err := c.resolve(ctx, p)
	if err != nil {
		return "", nil, err
	}
	cfg := c.oauth(p, e, redirectURI)
	if p.Type == "SignInWithApple" {
		secret, err := appleClientSecret(p.Details, time.Now())
		if err != nil {
			return "", nil, err
		}
		cfg.ClientSecret = secret
	}
	tok, err := cfg.Exchange(c.ctx(ctx), code)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", nil, fail("%s Error - %d error getting token", p.Name, re.Response.StatusCode)
		}
		return "", nil, fail("Timeout occurred in calling IdP token endpoint")
	}
	claims := map[string]any{}
	if raw, ok := tok.Extra("id_token").(string); ok && raw != "" {
		if e.jwksURL == "" || e.issuer == "" {
			return "", nil, fail("%s has no jwks_uri or oidc_issuer to verify its ID token", p.Name)
		}
		v := oidc.NewVerifier(e.issuer, oidc.NewRemoteKeySet(c.ctx(ctx), e.jwksURL), &oidc.Config{ClientID: p.Details["client_id"]})
		idt, err := v.Verify(c.ctx(ctx), raw)
		if err != nil {
			return "", nil, fail("Invalid ID token from %s: %s", p.Name, err.Error())
		}
		if nonce != "" && idt.Nonce != nonce {
			return "", nil, fail("Invalid ID token from %s: nonce mismatch", p.Name)
		}
		if err := idt.Claims(&claims); err != nil {
			return "", nil, fail("Invalid ID token claims from %s", p.Name)
		}
	} else if p.Type == "OIDC" || p.Type == "Google" || p.Type == "SignInWithApple" {
		return "", nil, fail("%s did not return an ID token", p.Name)
	}
	if e.userinfoURL != "" && p.Type != "SignInWithApple" {
		info, err := c.userinfo(ctx, p, e.userinfoURL, tok.AccessToken)
		if err != nil {
			return "", nil, err
		}
		if sub, ok := claims["sub"]; ok && info["sub"] != nil && fmt.Sprint(info["sub"]) != fmt.Sprint(sub) {
			return "", nil, fail("%s userinfo subject does not match the ID token", p.Name)
		}
		for k, v := range info {
			if _, set := claims[k]; !set {
				claims[k] = v
			}
		}
	}
	subj := fmt.Sprint(claims[subjectClaim[p.Type]])
	if claims[subjectClaim[p.Type]] == nil || subj == "" {
		return "", nil, fail("%s did not identify the user (%s)", p.Name, subjectClaim[p.Type])
	}
	return subj, claims, nil
}

func (c *Client) userinfo(ctx context.Context, p Provider, u, accessToken string) (map[string]any, error) {
	method := http.MethodGet
	if strings.EqualFold(p.Details["attributes_request_method"], "POST") {
		method = http.MethodPost
	}
	if p.Details["attributes_url_add_attributes"] == "true" && strings.HasSuffix(u, "=") {
		u += "id,email,name"
	}
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(url.Values{"access_token": {accessToken}}.Encode())
	}
	r, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fail("Invalid attributes_url of %s", p.Name)
	}
	r.Header.Set("Authorization", "Bearer "+accessToken)
	if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(r)
	if err != nil {
		return nil, fail("Read timed out")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fail("%s Error - %d error getting user attributes", p.Name, resp.StatusCode)
	}
	var info map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return nil, fail("%s returned attributes that are not JSON", p.Name)
	}
	return info, nil
}
