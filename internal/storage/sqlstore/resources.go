package sqlstore

import (
	"context"

	"github.com/cognitod/cognitod/internal/storage"
)

const rsCols = `seq, pool_id, identifier, name, scopes`

func scanRS(row scanner) (storage.ResourceServer, error) {
	var r storage.ResourceServer
	var scopes string
	if err := row.Scan(&r.Seq, &r.PoolID, &r.Identifier, &r.Name, &scopes); err != nil {
		return r, notFound(err)
	}
	r.Scopes = []byte(scopes)
	return r, nil
}

// CreateResourceServer stores a resource server.
func (s *Store) CreateResourceServer(ctx context.Context, r storage.ResourceServer) error {
	_, err := s.exec(ctx, `INSERT INTO resource_servers (pool_id, identifier, name, scopes) VALUES (?,?,?,?)`, r.PoolID, r.Identifier, r.Name, string(r.Scopes))
	return err
}

// GetResourceServer reads a resource server.
func (s *Store) GetResourceServer(ctx context.Context, poolID, identifier string) (storage.ResourceServer, error) {
	return scanRS(s.readRow(ctx, `SELECT `+rsCols+` FROM resource_servers WHERE pool_id = ? AND identifier = ?`, poolID, identifier))
}

// ListResourceServers lists a pool's resource servers in creation order.
func (s *Store) ListResourceServers(ctx context.Context, poolID string, page storage.Page) ([]storage.ResourceServer, error) {
	return collect(scanRS)(s.read(ctx, `SELECT `+rsCols+` FROM resource_servers WHERE pool_id = ? AND seq > ? ORDER BY seq LIMIT ?`, poolID, page.After, limitOf(page)))
}

// UpdateResourceServer replaces a resource server's name and scopes.
func (s *Store) UpdateResourceServer(ctx context.Context, r storage.ResourceServer) error {
	return mustAffect(s.exec(ctx, `UPDATE resource_servers SET name = ?, scopes = ? WHERE pool_id = ? AND identifier = ?`, r.Name, string(r.Scopes), r.PoolID, r.Identifier))
}

// DeleteResourceServer removes a resource server.
func (s *Store) DeleteResourceServer(ctx context.Context, poolID, identifier string) error {
	return mustAffect(s.exec(ctx, `DELETE FROM resource_servers WHERE pool_id = ? AND identifier = ?`, poolID, identifier))
}

func scanDomain(row scanner) (storage.Domain, error) {
	var d storage.Domain
	var cfg string
	var c int64
	if err := row.Scan(&d.Domain, &d.PoolID, &cfg, &c); err != nil {
		return d, notFound(err)
	}
	d.Config, d.Created = []byte(cfg), fromMS(c)
	return d, nil
}

// CreateDomain stores a domain; domains are unique across pools.
func (s *Store) CreateDomain(ctx context.Context, d storage.Domain) error {
	_, err := s.exec(ctx, `INSERT INTO domains (domain, pool_id, config, created) VALUES (?,?,?,?)`, d.Domain, d.PoolID, string(d.Config), ms(d.Created))
	return err
}

// GetDomain reads a domain.
func (s *Store) GetDomain(ctx context.Context, domain string) (storage.Domain, error) {
	return scanDomain(s.readRow(ctx, `SELECT domain, pool_id, config, created FROM domains WHERE domain = ?`, domain))
}

// DomainsOf lists a pool's domains.
func (s *Store) DomainsOf(ctx context.Context, poolID string) ([]storage.Domain, error) {
	return collect(scanDomain)(s.read(ctx, `SELECT domain, pool_id, config, created FROM domains WHERE pool_id = ? ORDER BY created`, poolID))
}

// UpdateDomain replaces a domain's configuration.
func (s *Store) UpdateDomain(ctx context.Context, d storage.Domain) error {
	return mustAffect(s.exec(ctx, `UPDATE domains SET config = ? WHERE domain = ? AND pool_id = ?`, string(d.Config), d.Domain, d.PoolID))
}

const brandingCols = `id, pool_id, client_id, config, created, modified`

func scanBranding(row scanner) (storage.LoginBranding, error) {
	var b storage.LoginBranding
	var cfg string
	var c, m int64
	if err := row.Scan(&b.ID, &b.PoolID, &b.ClientID, &cfg, &c, &m); err != nil {
		return b, notFound(err)
	}
	b.Config, b.Created, b.Modified = []byte(cfg), fromMS(c), fromMS(m)
	return b, nil
}

// CreateLoginBranding stores a client's login branding.
func (s *Store) CreateLoginBranding(ctx context.Context, b storage.LoginBranding) error {
	_, err := s.exec(ctx, `INSERT INTO login_brandings (`+brandingCols+`) VALUES (?,?,?,?,?,?)`, b.ID, b.PoolID, b.ClientID, string(b.Config), ms(b.Created), ms(b.Modified))
	return err
}

// GetLoginBranding reads a login branding by id.
func (s *Store) GetLoginBranding(ctx context.Context, poolID, id string) (storage.LoginBranding, error) {
	return scanBranding(s.readRow(ctx, `SELECT `+brandingCols+` FROM login_brandings WHERE pool_id = ? AND id = ?`, poolID, id))
}

// GetLoginBrandingByClient reads a client's login branding.
func (s *Store) GetLoginBrandingByClient(ctx context.Context, poolID, clientID string) (storage.LoginBranding, error) {
	return scanBranding(s.readRow(ctx, `SELECT `+brandingCols+` FROM login_brandings WHERE pool_id = ? AND client_id = ?`, poolID, clientID))
}

// UpdateLoginBranding replaces a login branding's configuration.
func (s *Store) UpdateLoginBranding(ctx context.Context, b storage.LoginBranding) error {
	return mustAffect(s.exec(ctx, `UPDATE login_brandings SET config = ?, modified = ? WHERE pool_id = ? AND id = ?`, string(b.Config), ms(b.Modified), b.PoolID, b.ID))
}

// DeleteLoginBranding removes a login branding.
func (s *Store) DeleteLoginBranding(ctx context.Context, poolID, id string) error {
	return mustAffect(s.exec(ctx, `DELETE FROM login_brandings WHERE pool_id = ? AND id = ?`, poolID, id))
}

// DeleteDomain removes a domain.
func (s *Store) DeleteDomain(ctx context.Context, domain string) error {
	return mustAffect(s.exec(ctx, `DELETE FROM domains WHERE domain = ?`, domain))
}
