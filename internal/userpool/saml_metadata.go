package userpool

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"strings"
)

// SAMLMetadata is what cognitod reads from an IdP's metadata document.
type SAMLMetadata struct {
	EntityID     string
	SigningCerts []*x509.Certificate
	SSORedirect  string
	SSOPost      string
	SLORedirect  string
}

type mdEntity struct {
	XMLName  xml.Name `xml:"EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	IDP      []struct {
		Keys []struct {
			Use  string `xml:"use,attr"`
			Cert string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"KeyDescriptor"`
		SSO []mdEndpoint `xml:"SingleSignOnService"`
		SLO []mdEndpoint `xml:"SingleLogoutService"`
	} `xml:"IDPSSODescriptor"`
}

type mdEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

const (
	bindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	bindingPost     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)

// ParseSAMLMetadata reads an EntityDescriptor (or the first one of an
// EntitiesDescriptor) with an IDPSSODescriptor and a signing certificate.
func ParseSAMLMetadata(raw []byte) (*SAMLMetadata, error) {
	var ent mdEntity
	if err := xml.Unmarshal(raw, &ent); err != nil {
		var group struct {
			Entities []mdEntity `xml:"EntityDescriptor"`
		}
		if err2 := xml.Unmarshal(raw, &group); err2 != nil || len(group.Entities) == 0 {
			return nil, errors.New("not a SAML EntityDescriptor")
		}
		ent = group.Entities[0]
	}
	if ent.EntityID == "" {
		return nil, errors.New("entityID is missing")
	}
	if len(ent.IDP) == 0 {
		return nil, errors.New("no IDPSSODescriptor")
	}
	md := &SAMLMetadata{EntityID: ent.EntityID}
	for _, idp := range ent.IDP {
		for _, k := range idp.Keys {
			if k.Use != "" && k.Use != "signing" {
				continue
			}
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(k.Cert), ""))
			if err != nil {
				return nil, errors.New("signing certificate is not base64")
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, errors.New("signing certificate cannot be parsed")
			}
			md.SigningCerts = append(md.SigningCerts, cert)
		}
		for _, e := range idp.SSO {
			switch e.Binding {
			case bindingRedirect:
				md.SSORedirect = e.Location
			case bindingPost:
				md.SSOPost = e.Location
			}
		}
		for _, e := range idp.SLO {
			if e.Binding == bindingRedirect {
				md.SLORedirect = e.Location
			}
		}
	}
	if len(md.SigningCerts) == 0 {
		return nil, errors.New("no signing certificate")
	}
	if md.SSORedirect == "" && md.SSOPost == "" {
		return nil, errors.New("no SingleSignOnService")
	}
	return md, nil
}
