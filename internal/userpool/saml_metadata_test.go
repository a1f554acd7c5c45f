package userpool

import "testing"

func FuzzParseSAMLMetadata(f *testing.F) {
	f.Add([]byte(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><IDPSSODescriptor><KeyDescriptor use="signing"><KeyInfo><X509Data><X509Certificate>AAAA</X509Certificate></X509Data></KeyInfo></KeyDescriptor></IDPSSODescriptor></EntityDescriptor>`))
	f.Add([]byte(`<EntitiesDescriptor><EntityDescriptor entityID="y"/></EntitiesDescriptor>`))
	f.Add([]byte(`not xml`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		md, err := ParseSAMLMetadata(raw)
		if err == nil && (md.EntityID == "" || len(md.SigningCerts) == 0 || md.SSORedirect == "" && md.SSOPost == "") {
			t.Fatalf("accepted incomplete metadata: %+v", md)
		}
	})
}
