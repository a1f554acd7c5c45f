package userpool

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// Client secret rotation: a confidential app client holds one or two
// secrets, and a caller may prove itself with either, so that a new one
// can be handed out before the old one is deleted. ClientSecret, as
// DescribeUserPoolClient shows it, is the oldest.

const maxClientSecrets = 2

// clientSecret is one of a client's secrets.
type clientSecret struct {
	ID      string `json:"id"`
	Value   string `json:"value"`
	Created int64  `json:"created"` // ms
}

// secrets answers a client's secrets; a client stored with only its
// ClientSecret has that one, with an id of its own.
func (c *UserPoolClientType) secrets() []clientSecret {
	if len(c.Secrets) > 0 || c.ClientSecret == "" {
		return c.Secrets
	}
	var created int64
	if c.CreationDate != nil {
		created = time.Time(*c.CreationDate).UnixMilli()
	}
	return []clientSecret{{ID: c.ClientId + "--1", Value: c.ClientSecret, Created: created}}
}

// secretIs answers whether given is one of the client's secrets
// (constant-time comparisons).
func (c *UserPoolClientType) secretIs(given string) bool {
	ok := 0
	for _, sec := range c.secrets() {
		ok |= subtle.ConstantTimeCompare([]byte(sec.Value), []byte(given))
	}
	return ok == 1
}

// ClientSecretDescriptorType describes one of a client's secrets.
type ClientSecretDescriptorType struct {
	ClientSecretId         string
	ClientSecretValue      string `json:",omitempty"`
	ClientSecretCreateDate *awsjson.Time
}

// changeSecrets edits a client's secrets in one write; ClientSecret stays
// the oldest.
func (s *Service) changeSecrets(ctx context.Context, poolID, clientID string, fn func(c *UserPoolClientType, list []clientSecret) ([]clientSecret, error)) error {
	_, cur, err := s.poolClient(ctx, poolID, clientID)
	if err != nil {
		return err
	}
	_, err = s.store.UpdateClient(ctx, cur.ID, func(x *storage.Client) error {
		c, err := decodeClient(*x)
		if err != nil {
			return err
		}
		if c.ClientSecret == "" {
			return apierr.Invalid("Client %s has no secret: only a confidential client can have its secrets rotated.", clientID)
		}
		list, err := fn(c, slices.Clone(c.secrets()))
		if err != nil {
			return err
		}
		c.Secrets, c.ClientSecret = list, list[0].Value
		x.Config = mustJSON(c)
		x.Modified = s.clock()
		return nil
	})
	if isNotFound(err) {
		return clientNotFound(clientID)
	}
	return err
}

// AddUserPoolClientSecret gives a confidential client a second secret,
// generated or given; a generated one is answered.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddUserPoolClientSecret.html
func (s *Service) AddUserPoolClientSecret(ctx context.Context, in *struct {
	UserPoolId, ClientId string
	ClientSecret         *string
}) (map[string]any, error) {
	now := s.clock()
	var added clientSecret
	err := s.changeSecrets(ctx, in.UserPoolId, in.ClientId, func(c *UserPoolClientType, list []clientSecret) ([]clientSecret, error) {
		if len(list) >= maxClientSecrets {
			return nil, apierr.New(apierr.LimitExceeded, "Client %s already has %d secrets: delete one first.", in.ClientId, maxClientSecrets)
		}
		next := 0
		for _, sec := range list {
			if n, err := strconv.Atoi(sec.ID[strings.LastIndex(sec.ID, "--")+2:]); err == nil {
				next = max(next, n)
			}
		}
		added = clientSecret{ID: fmt.Sprintf("%s--%d", c.ClientId, next+1), Value: deref(in.ClientSecret), Created: now.UnixMilli()}
		if added.Value == "" {
			added.Value = randomString(51, "abcdefghijklmnopqrstuvwxyz0123456789")
		}
		return append(list, added), nil
	})
	if err != nil {
		return nil, err
	}
	out := ClientSecretDescriptorType{ClientSecretId: added.ID, ClientSecretCreateDate: awsjson.T(now)}
	if in.ClientSecret == nil {
		out.ClientSecretValue = added.Value
	}
	return map[string]any{"ClientSecretDescriptor": out}, nil
}

// DeleteUserPoolClientSecret deletes one of a client's secrets, never its
// last.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteUserPoolClientSecret.html
func (s *Service) DeleteUserPoolClientSecret(ctx context.Context, in *struct{ UserPoolId, ClientId, ClientSecretId string }) (map[string]any, error) {
	return map[string]any{}, s.changeSecrets(ctx, in.UserPoolId, in.ClientId, func(_ *UserPoolClientType, list []clientSecret) ([]clientSecret, error) {
		i := slices.IndexFunc(list, func(sec clientSecret) bool { return sec.ID == in.ClientSecretId })
		switch {
		case i < 0:
			return nil, apierr.New(apierr.ResourceNotFound, "Client secret %s does not exist.", in.ClientSecretId)
		case len(list) == 1:
			return nil, apierr.Invalid("The last secret of a client cannot be deleted.")
		}
		return slices.Delete(list, i, i+1), nil
	})
}

// ListUserPoolClientSecrets lists a client's secrets, without their values.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUserPoolClientSecrets.html
func (s *Service) ListUserPoolClientSecrets(ctx context.Context, in *struct {
	UserPoolId, ClientId string
	NextToken            string
}) (map[string]any, error) {
	_, cur, err := s.poolClient(ctx, in.UserPoolId, in.ClientId)
	if err != nil {
		return nil, err
	}
	c, err := decodeClient(cur)
	if err != nil {
		return nil, err
	}
	if in.NextToken != "" {
		return nil, apierr.Invalid("Invalid pagination token.")
	}
	list := []ClientSecretDescriptorType{}
	for _, sec := range c.secrets() {
		list = append(list, ClientSecretDescriptorType{ClientSecretId: sec.ID, ClientSecretCreateDate: msTime(sec.Created)})
	}
	return map[string]any{"ClientSecrets": list}, nil
}
