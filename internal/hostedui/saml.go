package hostedui

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/crewjam/saml"

	"github.com/cognitod/cognitod/internal/federation"
	"github.com/cognitod/cognitod/internal/userpool"
)

func (s *Server) serviceProvider(ctx context.Context, poolID string, details map[string]string) (*saml.ServiceProvider, error) {
	key, cert, err := s.svc.SPKey(ctx, poolID)
	if err != nil {
		return nil, err
	}
	return federation.ServiceProvider(federation.SAMLConfig{
		EntityID: userpool.SPEntityID(poolID), ACS: s.svc.BaseURL() + "/saml2/idpresponse",
		Metadata: userpool.SAMLMetadataDocument(details), IDPInit: details["IDPInit"] == "true", Key: key, Certificate: cert,
	})
}

// toSAML starts an SP-initiated SAML sign-in.
func (s *Server) toSAML(w http.ResponseWriter, r *http.Request, a *userpool.Authorization, query string) {
	sp, err := s.serviceProvider(r.Context(), a.PoolID, a.Details)
	if err != nil {
		redirectError(w, r, a, "invalid_request", err.Error())
		return
	}
	to, err := federation.SAMLRedirect(sp, func(requestID string) (string, error) {
		return s.svc.Sealer().Seal("idp-state", s.svc.Now().Add(10*time.Minute), idpState{Query: query, RequestID: requestID})
	})
	if err != nil {
		redirectError(w, r, a, "invalid_request", err.Error())
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// samlResponse is the assertion consumer service (HTTP-POST binding).
func (s *Server) samlResponse(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("SAMLResponse") == "" {
		errorPage(w, http.StatusBadRequest, "A SAMLResponse is required.")
		return
	}
	var st idpState
	idpInitiated := false
	if err := s.svc.Sealer().Open("idp-state", r.PostForm.Get("RelayState"), s.svc.Now(), &st); err != nil {
		// An unsolicited (IdP-initiated) response: its RelayState must carry
		// the authorize parameters (client_id, redirect_uri, response_type,
		// identity_provider, ...), checked like an authorize request, and
		// the provider must allow it (IDPInit).
		q, perr := url.ParseQuery(r.PostForm.Get("RelayState"))
		if perr != nil || q.Get("client_id") == "" || q.Get("identity_provider") == "" {
			errorPage(w, http.StatusBadRequest, "Invalid RelayState: the sign-in cannot be continued.")
			return
		}
		st, idpInitiated = idpState{Query: q.Encode()}, true
	}
	q, _ := url.ParseQuery(st.Query)
	a, ok := s.check(w, r, authorizeRequest(q))
	if !ok {
		return
	}
	if a.ProviderType != userpool.TypeSAML {
		redirectError(w, r, a, "invalid_request", "The identity provider is not a SAML provider")
		return
	}
	if idpInitiated && a.Details["IDPInit"] != "true" {
		errorPage(w, http.StatusBadRequest, "IdP-initiated sign-in is not enabled for "+a.Provider+".")
		return
	}
	sp, err := s.serviceProvider(r.Context(), a.PoolID, a.Details)
	if err != nil {
		redirectError(w, r, a, "invalid_request", err.Error())
		return
	}
	var requestIDs []string
	if !idpInitiated {
		requestIDs = []string{st.RequestID}
	}
	nameID, claims, assertionID, expires, err := federation.SAMLAssertion(sp, r, requestIDs)
	if err != nil {
		redirectIdPError(w, r, a, err)
		return
	}
	fresh, err := s.svc.Once(r.Context(), a.PoolID, "saml-assertion:"+a.Provider+":"+assertionID, expires)
	if err != nil {
		redirectError(w, r, a, "server_error", "")
		return
	}
	if !fresh {
		redirectError(w, r, a, "invalid_request", "Invalid SAML response: the assertion was already used")
		return
	}
	s.signInExternal(w, r, a, userpool.ExternalIdentity{Provider: a.Provider, Subject: nameID, Claims: claims})
}

// samlMetadata publishes a pool's SP metadata: GET /saml2/metadata?userPoolId=...
func (s *Server) samlMetadata(w http.ResponseWriter, r *http.Request) {
	poolID := r.URL.Query().Get("userPoolId")
	if !s.svc.PoolExists(r.Context(), poolID) {
		http.NotFound(w, r)
		return
	}
	sp, err := federation.ServiceProvider(federation.SAMLConfig{EntityID: userpool.SPEntityID(poolID), ACS: s.svc.BaseURL() + "/saml2/idpresponse",
		Metadata: `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="none"></EntityDescriptor>`})
	if err == nil {
		sp.Key, sp.Certificate, err = s.svc.SPKey(r.Context(), poolID)
	}
	if err != nil {
		http.Error(w, "metadata unavailable", http.StatusInternalServerError)
		return
	}
	body, err := federation.SPMetadata(sp)
	if err != nil {
		http.Error(w, "metadata unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(body)
}
