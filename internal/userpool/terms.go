package userpool

import (
	"context"
	"net/url"
	"slices"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// Terms documents: an app client's terms of use and privacy policy, as
// links per language (cognito:default, cognito:french, ...), one of each
// per client. cognitod keeps them; it has no sign-up page to show them on.

const termsMember = "cognitod:Terms"

// termsRecord is one terms document.
type termsRecord struct {
	TermsId, ClientId, TermsName, TermsSource, Enforcement string
	Links                                                  map[string]string
	Created, Modified                                      int64
}

func (t *termsRecord) render(poolID string) map[string]any {
	return map[string]any{"TermsId": t.TermsId, "UserPoolId": poolID, "ClientId": t.ClientId, "TermsName": t.TermsName,
		"TermsSource": t.TermsSource, "Enforcement": t.Enforcement, "Links": t.Links,
		"CreationDate": msTime(t.Created), "LastModifiedDate": msTime(t.Modified)}
}

func (p *pool) terms() []termsRecord {
	var out []termsRecord
	_ = jsonInto(p.cfg[termsMember], &out)
	return out
}

var errTermsNotFound = apierr.New(apierr.ResourceNotFound, "Terms not found.")

// checkTermsLinks: each link is an absolute http(s) URL (the model checks
// the keys: cognito:default or a language).
func checkTermsLinks(links map[string]string) error {
	for _, v := range links {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return apierr.Invalid("Links value %q is not an http or https URL.", v)
		}
	}
	return nil
}

// TermsInput is CreateTerms' and UpdateTerms' request.
type TermsInput struct {
	UserPoolId, ClientId, TermsId       string
	TermsName, TermsSource, Enforcement *string
	Links                               map[string]string
}

// editTerms changes a pool's terms in one write; fn answers the document
// to answer back.
func (s *Service) editTerms(ctx context.Context, poolID string, fn func(list []termsRecord) ([]termsRecord, *termsRecord, error)) (*termsRecord, error) {
	if _, err := s.getPool(ctx, poolID); err != nil {
		return nil, err
	}
	var out *termsRecord
	err := s.changePool(ctx, poolID, false, func(p *pool) error {
		list, t, err := fn(p.terms())
		if err != nil {
			return err
		}
		for _, x := range list {
			if t != nil && x.TermsId != t.TermsId && x.ClientId == t.ClientId && x.TermsName == t.TermsName {
				return apierr.New(apierr.TermsExists, "Terms %s already exist for client %s.", t.TermsName, t.ClientId)
			}
		}
		p.cfg[termsMember] = mustJSON(list)
		out = t
		return nil
	})
	return out, err
}

// CreateTerms adds a terms document to an app client.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateTerms.html
func (s *Service) CreateTerms(ctx context.Context, in *TermsInput) (map[string]any, error) {
	if _, _, err := s.poolClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		return nil, err
	}
	if err := checkTermsLinks(in.Links); err != nil {
		return nil, err
	}
	now := s.clock().UnixMilli()
	t := termsRecord{TermsId: uuid.NewString(), ClientId: in.ClientId, TermsName: deref(in.TermsName), TermsSource: deref(in.TermsSource),
		Enforcement: deref(in.Enforcement), Links: in.Links, Created: now, Modified: now}
	got, err := s.editTerms(ctx, in.UserPoolId, func(list []termsRecord) ([]termsRecord, *termsRecord, error) {
		return append(list, t), &t, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Terms": got.render(in.UserPoolId)}, nil
}

// UpdateTerms changes a terms document; members left out keep their value.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateTerms.html
func (s *Service) UpdateTerms(ctx context.Context, in *TermsInput) (map[string]any, error) {
	if in.Links != nil {
		if err := checkTermsLinks(in.Links); err != nil {
			return nil, err
		}
	}
	now := s.clock().UnixMilli()
	got, err := s.editTerms(ctx, in.UserPoolId, func(list []termsRecord) ([]termsRecord, *termsRecord, error) {
		i := slices.IndexFunc(list, func(t termsRecord) bool { return t.TermsId == in.TermsId })
		if i < 0 {
			return nil, nil, errTermsNotFound
		}
		t := &list[i]
		for _, f := range []struct{ dst, src *string }{{&t.TermsName, in.TermsName}, {&t.TermsSource, in.TermsSource}, {&t.Enforcement, in.Enforcement}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if in.Links != nil {
			t.Links = in.Links
		}
		t.Modified = now
		return list, t, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"Terms": got.render(in.UserPoolId)}, nil
}

// DescribeTerms answers a terms document.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeTerms.html
func (s *Service) DescribeTerms(ctx context.Context, in *TermsInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	for _, t := range p.terms() {
		if t.TermsId == in.TermsId {
			return map[string]any{"Terms": t.render(p.ID)}, nil
		}
	}
	return nil, errTermsNotFound
}

// DeleteTerms removes a terms document.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteTerms.html
func (s *Service) DeleteTerms(ctx context.Context, in *TermsInput) (map[string]any, error) {
	_, err := s.editTerms(ctx, in.UserPoolId, func(list []termsRecord) ([]termsRecord, *termsRecord, error) {
		i := slices.IndexFunc(list, func(t termsRecord) bool { return t.TermsId == in.TermsId })
		if i < 0 {
			return nil, nil, errTermsNotFound
		}
		return slices.Delete(list, i, i+1), nil, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// ListTerms lists a pool's terms documents, oldest first.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListTerms.html
func (s *Service) ListTerms(ctx context.Context, in *struct {
	UserPoolId string
	MaxResults int
	NextToken  string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	all := p.terms()
	page, next, err := listPage(s, "terms/"+p.ID, in.NextToken, in.MaxResults, func(pg storage.Page) ([]termsRecord, error) {
		if int(pg.After) >= len(all) {
			return nil, nil
		}
		return all[pg.After:min(len(all), int(pg.After)+pg.Limit)], nil
	}, func(t termsRecord) int64 {
		return int64(slices.IndexFunc(all, func(x termsRecord) bool { return x.TermsId == t.TermsId }) + 1)
	})
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, t := range page {
		list = append(list, map[string]any{"TermsId": t.TermsId, "TermsName": t.TermsName, "Enforcement": t.Enforcement,
			"CreationDate": msTime(t.Created), "LastModifiedDate": msTime(t.Modified)})
	}
	out := map[string]any{"Terms": list}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
