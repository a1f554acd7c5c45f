package userpool

import (
	"context"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// CreateFederatedUser makes the user of an identity's first federated sign-in:
// named `<ProviderName>_<subject>` (lower-cased in a case-insensitive pool),
// status EXTERNAL_PROVIDER, with its own `identities` entry (primary) written
// in the same transaction. attrs are the IdP's mapped attributes.
func (s *Service) CreateFederatedUser(ctx context.Context, poolID, providerName, subject string, attrs []AttributeType) (storage.User, error) {
	p, err := s.getPool(ctx, poolID)
	if err != nil {
		return storage.User{}, err
	}
	idp, err := s.store.GetProvider(ctx, p.ID, providerName)
	if isNotFound(err) {
		return storage.User{}, apierr.Invalid("Identity provider %s does not exist.", providerName)
	}
	if err != nil {
		return storage.User{}, err
	}
	now := s.clock()
	username := FederatedUsername(idp.Name, subject)
	if !p.CaseSensitive {
		username = p.key(username)
	}
	u := storage.User{
		PoolID: p.ID, Sub: uuid.NewString(), Username: username, Status: StatusExternalProvider, Enabled: true,
		Attributes: toStored(attrs), Created: now, Modified: now,
	}
	p.index(&u)
	issuer := ""
	if idp.Type == TypeSAML {
		issuer = idp.Details["IDPEntityId"]
	}
	own := storage.Identity{PoolID: p.ID, ProviderName: idp.Name, ProviderType: idp.Type, AttributeName: SubjectAttributeName,
		Value: subject, UserSub: u.Sub, Primary: true, Issuer: issuer, Created: now}
	created, err := s.store.CreateUser(ctx, u, own)
	if field, dup := uniqueField(err); dup {
		if field == "identity" {
			return storage.User{}, errAlreadyLinked
		}
		if ae := aliasError(field); ae != nil {
			return storage.User{}, ae
		}
		return storage.User{}, apierr.New(apierr.UsernameExists, "User account already exists")
	}
	return created, err
}
