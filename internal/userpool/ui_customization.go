package userpool

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
)

// The hosted sign-in page's look: CSS for the classes Cognito lets pools
// style, and a logo, for all of a pool's clients ("ALL") or one. They are
// kept in the pool's configuration (uiMember, which DescribeUserPool leaves
// out) and applied to the pages the hosted UI serves.

const (
	uiMember = "cognitod:UICustomization"
	uiAll    = "ALL"
)

// uiCustomization is one client's (or ALL's) look.
type uiCustomization struct {
	CSS      string `json:"css,omitempty"`
	Image    []byte `json:"image,omitempty"`
	Version  string `json:"version"`
	Created  int64  `json:"created"`
	Modified int64  `json:"modified"`
}

// uiClasses are the classes a pool's CSS may style, as in Cognito's hosted UI.
var uiClasses = map[string]bool{
	"background-customizable": true, "banner-customizable": true, "errorMessage-customizable": true,
	"idpButton-customizable": true, "inputField-customizable": true, "label-customizable": true,
	"legalText-customizable": true, "logo-customizable": true, "submitButton-customizable": true,
	"textDescription-customizable": true, "redirect-customizable": true, "socialButton-customizable": true,
	"passwordCheck-notValid-customizable": true, "passwordCheck-valid-customizable": true,
}

var uiSelector = regexp.MustCompile(`^\.([A-Za-z-]+)(:hover|:focus)?$`)

// checkCSS accepts rules whose selectors are the customizable classes only
// (with :hover or :focus); no at-rules, and nothing that could end the
// <style> element the page puts it in.
func checkCSS(css string) error {
	if strings.ContainsAny(css, "<>@\\") {
		return apierr.Invalid("CSS may not contain <, >, @ or \\.")
	}
	rules := strings.Split(css, "}")
	if strings.TrimSpace(rules[len(rules)-1]) != "" {
		return apierr.Invalid("CSS is not a list of rules: text after the last }.")
	}
	for _, rule := range rules[:len(rules)-1] {
		sel, body, ok := strings.Cut(rule, "{")
		if !ok || strings.Contains(body, "{") {
			return apierr.Invalid("CSS is not a list of rules: %q.", strings.TrimSpace(rule))
		}
		for _, one := range strings.Split(sel, ",") {
			one = strings.TrimSpace(one)
			m := uiSelector.FindStringSubmatch(one)
			if m == nil || !uiClasses[m[1]] {
				return apierr.Invalid("CSS selector %q is not one of the customizable classes.", one)
			}
		}
	}
	return nil
}

// decodeUI reads a pool configuration's UI customizations, by client (or
// ALL); decoded with the pool, since every hosted page reads them.
func decodeUI(cfg map[string]json.RawMessage) map[string]uiCustomization {
	all := map[string]uiCustomization{}
	if raw, ok := cfg[uiMember]; ok {
		_ = json.Unmarshal(raw, &all)
	}
	return all
}

// uiFor answers the look of a client's pages: its own, else the pool's.
func (p *pool) uiFor(clientID string) (string, uiCustomization, bool) {
	if c, ok := p.ui[clientID]; ok && clientID != "" {
		return clientID, c, true
	}
	c, ok := p.ui[uiAll]
	return uiAll, c, ok
}

func (s *Service) uiType(poolID, clientID string, c uiCustomization) map[string]any {
	out := map[string]any{"UserPoolId": poolID, "ClientId": clientID, "CSSVersion": c.Version,
		"CreationDate": msTime(c.Created), "LastModifiedDate": msTime(c.Modified)}
	if c.CSS != "" {
		out["CSS"] = c.CSS
	}
	if len(c.Image) > 0 {
		out["ImageUrl"] = s.baseURL + "/_cognitod/ui-image/" + poolID + "/" + clientID + "?v=" + c.Version
	}
	return out
}

// SetUICustomization sets the hosted pages' CSS and logo for a client, or
// for all of a pool's clients (ClientId ALL or left out). Like Cognito, it
// needs the pool to have a domain.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUICustomization.html
func (s *Service) SetUICustomization(ctx context.Context, in *struct {
	UserPoolId string
	ClientId   string
	CSS        string
	ImageFile  []byte
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if domains, err := s.store.DomainsOf(ctx, p.ID); err != nil {
		return nil, err
	} else if len(domains) == 0 {
		return nil, apierr.Invalid("There has to be an existing domain associated with this user pool")
	}
	client := in.ClientId
	if client == "" {
		client = uiAll
	}
	if client != uiAll {
		if _, _, err := s.poolClient(ctx, p.ID, client); err != nil {
			return nil, err
		}
	}
	if err := checkCSS(in.CSS); err != nil {
		return nil, err
	}
	if len(in.ImageFile) > 0 {
		if t := http.DetectContentType(in.ImageFile); t != "image/png" && t != "image/jpeg" {
			return nil, apierr.Invalid("The image file must be a PNG or JPEG image.")
		}
	}
	var out uiCustomization
	err = s.changePool(ctx, p.ID, false, func(p *pool) error {
		all := maps.Clone(p.ui)
		now := s.clock().UnixMilli()
		out = all[client]
		if out.Created == 0 {
			out.Created = now
		}
		out.CSS, out.Image, out.Modified, out.Version = in.CSS, in.ImageFile, now, randomString(20, alnum)
		all[client] = out
		p.cfg[uiMember] = mustJSON(all)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UICustomization": s.uiType(p.ID, client, out)}, nil
}

// GetUICustomization answers the look of a client's hosted pages (its own,
// else the pool's), or of the pool's (ClientId left out).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUICustomization.html
func (s *Service) GetUICustomization(ctx context.Context, in *struct {
	UserPoolId string
	ClientId   string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.ClientId != "" && in.ClientId != uiAll {
		if _, _, err := s.poolClient(ctx, p.ID, in.ClientId); err != nil {
			return nil, err
		}
	}
	id, c, ok := p.uiFor(in.ClientId)
	if !ok {
		return map[string]any{"UICustomization": map[string]any{"UserPoolId": p.ID, "ClientId": uiAll}}, nil
	}
	return map[string]any{"UICustomization": s.uiType(p.ID, id, c)}, nil
}

// HostedUI answers the CSS and logo URL of a client's hosted pages.
func (s *Service) HostedUI(ctx context.Context, poolID, clientID string) (css, logo string) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return "", ""
	}
	id, c, ok := p.uiFor(clientID)
	if !ok {
		return "", ""
	}
	if len(c.Image) > 0 {
		logo = "/_cognitod/ui-image/" + poolID + "/" + id + "?v=" + c.Version
	}
	return c.CSS, logo
}

// UIImage answers the logo a pool's UI customization holds for a client (or ALL).
func (s *Service) UIImage(ctx context.Context, poolID, clientID string) ([]byte, bool) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return nil, false
	}
	c, ok := p.ui[clientID]
	return c.Image, ok && len(c.Image) > 0
}
