package userpool

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// Provider types.
const (
	TypeGoogle   = "Google"
	TypeFacebook = "Facebook"
	TypeAmazon   = "LoginWithAmazon"
	TypeApple    = "SignInWithApple"
	TypeOIDC     = "OIDC"
	TypeSAML     = "SAML"
)

// metadataDocumentKey keeps, internally, the metadata fetched from a MetadataURL.
const metadataDocumentKey = "_cognitodMetadataDocument"

// SAMLMetadataDocument is the IdP metadata a SAML provider was configured with.
func SAMLMetadataDocument(details map[string]string) string {
	if doc := details[metadataDocumentKey]; doc != "" {
		return doc
	}
	return details["MetadataFile"]
}

// maxProviders is Cognito's quota of identity providers per pool.
const maxProviders = 300

// socialDefaults are the endpoint details Cognito fills in for the social
// providers; ProviderDetails given at creation override them (a local test
// IdP can stand in for the real one).
var socialDefaults = map[string]map[string]string{
	TypeGoogle: {
		"attributes_url":                "https://people.googleapis.com/v1/people/me?personFields=",
		"attributes_url_add_attributes": "true",
		"authorize_url":                 "https://accounts.google.com/o/oauth2/v2/auth",
		"oidc_issuer":                   "https://accounts.google.com",
		"token_request_method":          "POST",
		"token_url":                     "https://www.googleapis.com/oauth2/v4/token",
	},
	TypeFacebook: {
		"attributes_url":                "https://graph.facebook.com/v17.0/me?fields=",
		"attributes_url_add_attributes": "true",
		"authorize_url":                 "https://www.facebook.com/v17.0/dialog/oauth",
		"token_request_method":          "GET",
		"token_url":                     "https://graph.facebook.com/v17.0/oauth/access_token",
	},
	TypeAmazon: {
		"attributes_url":                "https://api.amazon.com/user/profile",
		"attributes_url_add_attributes": "false",
		"authorize_url":                 "https://www.amazon.com/ap/oa",
		"token_request_method":          "POST",
		"token_url":                     "https://api.amazon.com/auth/o2/token",
	},
	TypeApple: {
		"authorize_url":        "https://appleid.apple.com/auth/authorize",
		"oidc_issuer":          "https://appleid.apple.com",
		"token_request_method": "POST",
		"token_url":            "https://appleid.apple.com/auth/token",
	},
}

// requiredDetails are the ProviderDetails keys each type must have.
var requiredDetails = map[string][]string{
	TypeGoogle:   {"client_id", "client_secret", "authorize_scopes"},
	TypeFacebook: {"client_id", "client_secret", "authorize_scopes"},
	TypeAmazon:   {"client_id", "client_secret", "authorize_scopes"},
	TypeApple:    {"client_id", "team_id", "key_id", "private_key", "authorize_scopes"},
	TypeOIDC:     {"client_id", "attributes_request_method", "oidc_issuer", "authorize_scopes"},
}

// SubjectAttribute is the IdP claim that names a user (SPEC: Google `sub`,
// Facebook `id`, LoginWithAmazon `user_id`, SignInWithApple `sub`, OIDC `sub`).
var SubjectAttribute = map[string]string{
	TypeGoogle: "sub", TypeFacebook: "id", TypeAmazon: "user_id", TypeApple: "sub", TypeOIDC: "sub",
}

// reservedNames cannot name an OIDC or SAML provider.
var reservedNames = []string{"Cognito", "COGNITO", TypeGoogle, TypeFacebook, TypeAmazon, TypeApple}

// CreateIdentityProviderInput is the CreateIdentityProvider request.
type CreateIdentityProviderInput struct {
	UserPoolId       string
	ProviderName     string
	ProviderType     string
	ProviderDetails  map[string]string
	AttributeMapping map[string]string
	IdpIdentifiers   []string
}

func providerNotFound(name string) error {
	return apierr.New(apierr.ResourceNotFound, "Identity provider %s does not exist.", name)
}

// prepareDetails checks and completes ProviderDetails for a provider type.
func (s *Service) prepareDetails(ctx context.Context, typ string, details map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range socialDefaults[typ] {
		out[k] = v
	}
	for k, v := range details {
		out[k] = v
	}
	for _, k := range requiredDetails[typ] {
		if out[k] == "" {
			return nil, apierr.Invalid("%s is required for provider type %s.", k, typ)
		}
	}
	switch typ {
	case TypeOIDC:
		m := out["attributes_request_method"]
		if m != "GET" && m != "POST" {
			return nil, apierr.Invalid("attributes_request_method must be GET or POST.")
		}
	case TypeSAML:
		return s.prepareSAML(ctx, out)
	}
	return out, nil
}

// prepareSAML reads the IdP metadata (given inline or fetched from
// MetadataURL with a timeout), checks that it carries a signing
// certificate, and records the IdP's entity id and sign-in endpoints.
func (s *Service) prepareSAML(ctx context.Context, d map[string]string) (map[string]string, error) {
	file, url := d["MetadataFile"], d["MetadataURL"]
	switch {
	case file == "" && url == "":
		return nil, apierr.Invalid("Either MetadataFile or MetadataURL is required for provider type SAML.")
	case file != "" && url != "":
		return nil, apierr.Invalid("Only one of MetadataFile or MetadataURL can be specified.")
	}
	raw := []byte(file)
	if url != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, apierr.Invalid("Invalid MetadataURL: %s", url)
		}
		resp, err := s.fetch.Do(req)
		if err != nil {
			return nil, apierr.Invalid("Could not retrieve metadata from %s.", url)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, apierr.Invalid("Could not retrieve metadata from %s (HTTP %d).", url, resp.StatusCode)
		}
		raw, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, apierr.Invalid("Could not retrieve metadata from %s.", url)
		}
	}
	md, err := ParseSAMLMetadata(raw)
	if err != nil {
		return nil, apierr.Invalid("Invalid SAML metadata: %s", err.Error())
	}
	if d["IDPSignout"] == "" {
		d["IDPSignout"] = "false"
	}
	if md.SSORedirect != "" {
		d["SSORedirectBindingURI"] = md.SSORedirect
	}
	if md.SSOPost != "" {
		d["SSOPostBindingURI"] = md.SSOPost
	}
	if md.SLORedirect != "" {
		d["SLORedirectBindingURI"] = md.SLORedirect
	}
	d["IDPEntityId"] = md.EntityID
	if url != "" {
		// Keep what was fetched: sign-in verifies against this document.
		d[metadataDocumentKey] = string(raw)
	}
	return d, nil
}

// checkMapping checks that an AttributeMapping writes only pool attributes,
// and adds the username mapping Cognito adds for OIDC and social providers.
func (p *pool) checkMapping(typ string, m map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range m {
		if k != "username" {
			if _, ok := p.schemaAttr(k); !ok || k == "sub" || k == "identities" {
				return nil, apierr.Invalid("Invalid attribute mapping. %s is not a valid user pool attribute.", k)
			}
		}
		out[k] = v
	}
	if subj, ok := SubjectAttribute[typ]; ok {
		if _, set := out["username"]; !set {
			out["username"] = subj
		}
	}
	return out, nil
}

func checkProviderName(typ, name string) error {
	if _, social := socialDefaults[typ]; social {
		if name != typ {
			return apierr.Invalid("Provider name must be %s for provider type %s.", typ, typ)
		}
		return nil
	}
	for _, r := range reservedNames {
		if strings.EqualFold(name, r) {
			return apierr.Invalid("Provider name %s is reserved and cannot be used for provider type %s.", name, typ)
		}
	}
	return nil
}

func providerType(pr storage.Provider) IdentityProviderType {
	details := map[string]string{}
	for k, v := range pr.Details {
		if k == "IDPEntityId" || k == metadataDocumentKey {
			continue // internal: read from the metadata
		}
		details[k] = v
	}
	idents := pr.Identifiers
	if idents == nil {
		idents = []string{}
	}
	mapping := pr.AttributeMapping
	if mapping == nil {
		mapping = map[string]string{}
	}
	return IdentityProviderType{
		UserPoolId: pr.PoolID, ProviderName: pr.Name, ProviderType: pr.Type,
		ProviderDetails: details, AttributeMapping: mapping, IdpIdentifiers: idents,
		CreationDate: awsjson.T(pr.Created), LastModifiedDate: awsjson.T(pr.Modified),
	}
}

func checkIdentifiers(idents []string) error {
	seen := map[string]bool{}
	for _, i := range idents {
		if seen[i] {
			return apierr.Invalid("Duplicate IdpIdentifier %s.", i)
		}
		seen[i] = true
	}
	return nil
}

// CreateIdentityProvider adds an IdP to a pool.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
func (s *Service) CreateIdentityProvider(ctx context.Context, in *CreateIdentityProviderInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if err := checkProviderName(in.ProviderType, in.ProviderName); err != nil {
		return nil, err
	}
	if _, err := s.store.GetProvider(ctx, p.ID, in.ProviderName); err == nil {
		return nil, apierr.New(apierr.DuplicateProvider, "A provider with the name %s already exists in this user pool.", in.ProviderName)
	}
	existing, err := s.store.ListProviders(ctx, p.ID, storage.Page{Limit: maxProviders + 1})
	if err != nil {
		return nil, err
	}
	if len(existing) >= maxProviders {
		return nil, apierr.New(apierr.LimitExceeded, "The limit of %d identity providers per user pool has been reached.", maxProviders)
	}
	if err := checkIdentifiers(in.IdpIdentifiers); err != nil {
		return nil, err
	}
	mapping, err := p.checkMapping(in.ProviderType, in.AttributeMapping)
	if err != nil {
		return nil, err
	}
	// The metadata fetch happens here, before any transaction opens.
	details, err := s.prepareDetails(ctx, in.ProviderType, in.ProviderDetails)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	pr := storage.Provider{PoolID: p.ID, Name: in.ProviderName, Type: in.ProviderType, Details: details,
		AttributeMapping: mapping, Identifiers: in.IdpIdentifiers, Created: now, Modified: now}
	if err := s.store.CreateProvider(ctx, pr); err != nil {
		if field, dup := uniqueField(err); dup {
			if field == "identifier" {
				return nil, apierr.Invalid("An identity provider with one of the given IdpIdentifiers already exists in this user pool.")
			}
			return nil, apierr.New(apierr.DuplicateProvider, "A provider with the name %s already exists in this user pool.", in.ProviderName)
		}
		return nil, err
	}
	return map[string]any{"IdentityProvider": providerType(pr)}, nil
}

// ProviderRef names one identity provider.
type ProviderRef struct {
	UserPoolId   string
	ProviderName string
}

// DescribeIdentityProvider answers one IdP.
func (s *Service) DescribeIdentityProvider(ctx context.Context, in *ProviderRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	pr, err := s.store.GetProvider(ctx, p.ID, in.ProviderName)
	if isNotFound(err) {
		return nil, providerNotFound(in.ProviderName)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"IdentityProvider": providerType(pr)}, nil
}

// GetIdentityProviderByIdentifier answers the IdP that has an IdpIdentifier.
func (s *Service) GetIdentityProviderByIdentifier(ctx context.Context, in *struct {
	UserPoolId    string
	IdpIdentifier string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	pr, err := s.store.GetProviderByIdentifier(ctx, p.ID, in.IdpIdentifier)
	if isNotFound(err) {
		return nil, apierr.New(apierr.ResourceNotFound, "Identity provider with identifier %s does not exist.", in.IdpIdentifier)
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"IdentityProvider": providerType(pr)}, nil
}

// UpdateIdentityProviderInput is the UpdateIdentityProvider request.
type UpdateIdentityProviderInput struct {
	UserPoolId       string
	ProviderName     string
	ProviderDetails  map[string]string
	AttributeMapping map[string]string
	IdpIdentifiers   *[]string
}

// UpdateIdentityProvider changes the given members of an IdP.
func (s *Service) UpdateIdentityProvider(ctx context.Context, in *UpdateIdentityProviderInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	cur, err := s.store.GetProvider(ctx, p.ID, in.ProviderName)
	if isNotFound(err) {
		return nil, providerNotFound(in.ProviderName)
	}
	if err != nil {
		return nil, err
	}
	var details, mapping map[string]string
	if in.ProviderDetails != nil {
		merged := map[string]string{}
		for k, v := range cur.Details {
			merged[k] = v
		}
		if cur.Type == TypeSAML && (in.ProviderDetails["MetadataFile"] != "" || in.ProviderDetails["MetadataURL"] != "") {
			delete(merged, "MetadataFile")
			delete(merged, "MetadataURL")
		}
		for k, v := range in.ProviderDetails {
			merged[k] = v
		}
		if details, err = s.prepareDetails(ctx, cur.Type, merged); err != nil {
			return nil, err
		}
	}
	if in.AttributeMapping != nil {
		if mapping, err = p.checkMapping(cur.Type, in.AttributeMapping); err != nil {
			return nil, err
		}
	}
	if in.IdpIdentifiers != nil {
		if err := checkIdentifiers(*in.IdpIdentifiers); err != nil {
			return nil, err
		}
	}
	pr, err := s.store.UpdateProvider(ctx, p.ID, in.ProviderName, func(pr *storage.Provider) error {
		if details != nil {
			pr.Details = details
		}
		if mapping != nil {
			pr.AttributeMapping = mapping
		}
		if in.IdpIdentifiers != nil {
			pr.Identifiers = *in.IdpIdentifiers
		}
		pr.Modified = s.clock()
		return nil
	})
	if isNotFound(err) {
		return nil, providerNotFound(in.ProviderName)
	}
	if _, dup := uniqueField(err); dup {
		return nil, apierr.Invalid("An identity provider with one of the given IdpIdentifiers already exists in this user pool.")
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"IdentityProvider": providerType(pr)}, nil
}

// DeleteIdentityProvider removes an IdP.
func (s *Service) DeleteIdentityProvider(ctx context.Context, in *ProviderRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteProvider(ctx, p.ID, in.ProviderName); isNotFound(err) {
		return nil, providerNotFound(in.ProviderName)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

// ListIdentityProvidersInput is the ListIdentityProviders request.
type ListIdentityProvidersInput struct {
	UserPoolId string
	MaxResults int
	NextToken  string
}

// ListIdentityProviders lists a pool's IdPs.
func (s *Service) ListIdentityProviders(ctx context.Context, in *ListIdentityProvidersInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	list, next, err := listPage(s, "idps/"+p.ID, in.NextToken, in.MaxResults,
		func(pg storage.Page) ([]storage.Provider, error) { return s.store.ListProviders(ctx, p.ID, pg) },
		func(pr storage.Provider) int64 { return pr.Seq })
	if err != nil {
		return nil, err
	}
	out := make([]ProviderDescription, 0, len(list))
	for _, pr := range list {
		out = append(out, ProviderDescription{ProviderName: pr.Name, ProviderType: pr.Type, CreationDate: awsjson.T(pr.Created), LastModifiedDate: awsjson.T(pr.Modified)})
	}
	res := map[string]any{"Providers": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}
