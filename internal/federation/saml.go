package federation

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/crewjam/saml"
)

// SAMLConfig is what a pool's SAML service provider is built from.
type SAMLConfig struct {
	EntityID    string // urn:amazon:cognito:sp:<poolId>
	ACS         string // <base>/saml2/idpresponse
	Metadata    string // the IdP's metadata document
	IDPInit     bool
	Key         *rsa.PrivateKey
	Certificate *x509.Certificate
}

// ServiceProvider builds the crewjam/saml service provider of a pool.
func ServiceProvider(c SAMLConfig) (*saml.ServiceProvider, error) {
	var md saml.EntityDescriptor
	if err := xml.Unmarshal([]byte(c.Metadata), &md); err != nil {
		return nil, fail("Invalid SAML metadata")
	}
	acs, err := url.Parse(c.ACS)
	if err != nil {
		return nil, err
	}
	meta := *acs
	meta.Path = "/saml2/metadata"
	return &saml.ServiceProvider{
		EntityID: c.EntityID, Key: c.Key, Certificate: c.Certificate, AcsURL: *acs, MetadataURL: meta,
		IDPMetadata: &md, AllowIDPInitiated: c.IDPInit, AuthnNameIDFormat: saml.UnspecifiedNameIDFormat,
	}, nil
}

// SAMLRedirect makes an SP-initiated AuthnRequest (HTTP-Redirect binding,
// HTTP-POST response) and answers where to send the browser. relay makes
// the RelayState from the request's ID (to check InResponseTo on return).
func SAMLRedirect(sp *saml.ServiceProvider, relay func(requestID string) (string, error)) (string, error) {
	loc := sp.GetSSOBindingLocation(saml.HTTPRedirectBinding)
	if loc == "" {
		return "", fail("The SAML metadata has no HTTP-Redirect SingleSignOnService")
	}
	req, err := sp.MakeAuthenticationRequest(loc, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", fail("Could not make a SAML request: %s", err.Error())
	}
	state, err := relay(req.ID)
	if err != nil {
		return "", err
	}
	u, err := req.Redirect(state, sp)
	if err != nil {
		return "", fail("Could not make a SAML request: %s", err.Error())
	}
	return u.String(), nil
}

// SAMLAssertion verifies a SAML response posted to the ACS: signature
// (response or assertion) against the metadata certificate, audience,
// destination, time window, InResponseTo (unless IdP-initiated is allowed
// and the response answers no request), decrypting an encrypted assertion.
// It answers the NameID, the attributes (first value of each, by Name and
// FriendlyName), the assertion ID and its expiry.
func SAMLAssertion(sp *saml.ServiceProvider, r *http.Request, requestIDs []string) (string, map[string]any, string, time.Time, error) {
	a, err := sp.ParseResponse(r, requestIDs)
	if err != nil {
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) && ire.PrivateErr != nil {
			return "", nil, "", time.Time{}, fail("Invalid SAML response: %s", ire.PrivateErr.Error())
		}
		return "", nil, "", time.Time{}, fail("Invalid SAML response")
	}
	if a.Subject == nil || a.Subject.NameID == nil || a.Subject.NameID.Value == "" {
		return "", nil, "", time.Time{}, fail("Invalid SAML response: no NameID")
	}
	claims := map[string]any{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if len(at.Values) == 0 {
				continue
			}
			v := at.Values[0].Value
			claims[at.Name] = v
			if at.FriendlyName != "" {
				claims[at.FriendlyName] = v
			}
		}
	}
	expires := time.Now().Add(time.Hour)
	if a.Conditions != nil && !a.Conditions.NotOnOrAfter.IsZero() {
		expires = a.Conditions.NotOnOrAfter
	}
	return a.Subject.NameID.Value, claims, a.ID, expires, nil
}

// SPMetadata is the pool's SP metadata document for the IdP.
func SPMetadata(sp *saml.ServiceProvider) ([]byte, error) {
	return xml.MarshalIndent(sp.Metadata(), "", "  ")
}
