package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cognitod/cognitod/internal/storage"
)

const providerCols = `seq, pool_id, name, type, details, mapping, identifiers, created, modified`

func scanProvider(row scanner) (storage.Provider, error) {
	var p storage.Provider
	var details, mapping, idents string
	var c, m int64
	if err := row.Scan(&p.Seq, &p.PoolID, &p.Name, &p.Type, &details, &mapping, &idents, &c, &m); err != nil {
		return p, notFound(err)
	}
	if err := json.Unmarshal([]byte(details), &p.Details); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(mapping), &p.AttributeMapping); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(idents), &p.Identifiers); err != nil {
		return p, err
	}
	p.Created, p.Modified = fromMS(c), fromMS(m)
	return p, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (s *Store) putIdentifiersTx(ctx context.Context, tx *sql.Tx, p *storage.Provider) error {
	if _, err := s.txExec(ctx, tx, `DELETE FROM idp_identifiers WHERE pool_id = ? AND provider_name = ?`, p.PoolID, p.Name); err != nil {
		return err
	}
	for _, ident := range p.Identifiers {
		if _, err := s.txExec(ctx, tx, `INSERT INTO idp_identifiers (pool_id, identifier, provider_name) VALUES (?, ?, ?)`, p.PoolID, ident, p.Name); err != nil {
			return err
		}
	}
	return nil
}

// CreateProvider stores a new identity provider and its identifiers.
func (s *Store) CreateProvider(ctx context.Context, p storage.Provider) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `INSERT INTO identity_providers (pool_id, name, type, details, mapping, identifiers, created, modified) VALUES (?,?,?,?,?,?,?,?)`,
			p.PoolID, p.Name, p.Type, jsonText(p.Details), jsonText(p.AttributeMapping), jsonText(p.Identifiers), ms(p.Created), ms(p.Modified)); err != nil {
			return err
		}
		return s.putIdentifiersTx(ctx, tx, &p)
	})
}

// GetProvider reads an identity provider by name.
func (s *Store) GetProvider(ctx context.Context, poolID, name string) (storage.Provider, error) {
	q := `SELECT ` + providerCols + ` FROM identity_providers WHERE pool_id = ? AND name = ?`
	if s.users == nil {
		return scanProvider(s.readRow(ctx, q, poolID, name))
	}
	if p, ok := s.users.getProvider(poolID, name); ok {
		return p, nil
	}
	gen := s.users.begin()
	p, err := scanProvider(s.readRow(ctx, q, poolID, name))
	if err == nil {
		s.users.putProvider(gen, p)
	}
	return p, err
}

// GetProviderByIdentifier reads an identity provider by one of its IdpIdentifiers.
func (s *Store) GetProviderByIdentifier(ctx context.Context, poolID, identifier string) (storage.Provider, error) {
	return scanProvider(s.readRow(ctx, `SELECT p.seq, p.pool_id, p.name, p.type, p.details, p.mapping, p.identifiers, p.created, p.modified
 FROM idp_identifiers i JOIN identity_providers p ON p.pool_id = i.pool_id AND p.name = i.provider_name
 WHERE i.pool_id = ? AND i.identifier = ?`, poolID, identifier))
}

// ListProviders lists a pool's identity providers in creation order.
func (s *Store) ListProviders(ctx context.Context, poolID string, page storage.Page) ([]storage.Provider, error) {
	return collect(scanProvider)(s.read(ctx, `SELECT `+providerCols+` FROM identity_providers WHERE pool_id = ? AND seq > ? ORDER BY seq LIMIT ?`, poolID, page.After, limitOf(page)))
}

// UpdateProvider changes an identity provider inside a transaction.
func (s *Store) UpdateProvider(ctx context.Context, poolID, name string, fn func(*storage.Provider) error) (storage.Provider, error) {
	var p storage.Provider
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanProvider(s.txRow(ctx, tx, `SELECT `+providerCols+` FROM identity_providers WHERE pool_id = ? AND name = ?`+s.d.forUpdate, poolID, name))
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		p.PoolID, p.Name = poolID, name
		if _, err := s.txExec(ctx, tx, `UPDATE identity_providers SET details = ?, mapping = ?, identifiers = ?, modified = ? WHERE pool_id = ? AND name = ?`,
			jsonText(p.Details), jsonText(p.AttributeMapping), jsonText(p.Identifiers), ms(p.Modified), poolID, name); err != nil {
			return err
		}
		return s.putIdentifiersTx(ctx, tx, &p)
	})
	return p, err
}

// DeleteProvider removes an identity provider.
func (s *Store) DeleteProvider(ctx context.Context, poolID, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `DELETE FROM idp_identifiers WHERE pool_id = ? AND provider_name = ?`, poolID, name); err != nil {
			return err
		}
		return mustAffect(s.txExec(ctx, tx, `DELETE FROM identity_providers WHERE pool_id = ? AND name = ?`, poolID, name))
	})
}
