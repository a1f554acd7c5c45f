package storage

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors. The domain turns them into Cognito errors, because only it
// knows which entity a caller meant.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrConflict      = errors.New("conflict")
	// ErrRevoked: a revoked refresh token cannot be rotated.
	ErrRevoked = errors.New("revoked")
)

// UniqueError tells which uniqueness rule a write broke; it wraps ErrAlreadyExists.
type UniqueError struct {
	Field string // "username", "sub", "alias_email", "alias_phone", "alias_preferred", "identity", "name", "identifier", "id"
}

func (e *UniqueError) Error() string { return "already exists: " + e.Field }

// Unwrap makes errors.Is(err, ErrAlreadyExists) hold.
func (e *UniqueError) Unwrap() error { return ErrAlreadyExists }

// Page asks for at most Limit items after the cursor After (0 = from the start).
type Page struct {
	Limit int
	After int64
}

// Pool is a user pool. Config is the domain's encoded configuration.
type Pool struct {
	Seq      int64
	ID       string
	Region   string
	Name     string
	Config   []byte
	Created  time.Time
	Modified time.Time
}

// Attribute is one user attribute.
type Attribute struct {
	Name  string `json:"n"`
	Value string `json:"v"`
}

// FilterColumns are the attributes ListUsers can filter on; the domain fills
// User.Filter with the (normalised) value of each.
var FilterColumns = []string{"username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "sub", "cognito:user_status", "status"}

// User is one user of a pool.
type User struct {
	Seq        int64
	PoolID     string
	Sub        string
	Username   string
	Status     string
	Enabled    bool
	Attributes []Attribute
	// Password and Extra are opaque to storage (the domain's encodings).
	Password []byte
	Extra    []byte
	// UsernameKey is the normalised username (unique per pool).
	UsernameKey string
	// Alias keys: unique per pool when not empty.
	AliasEmail, AliasPhone, AliasPreferred string
	// Filter holds the values ListUsers filters match, keyed by FilterColumns.
	// A stored user's map may be shared with a storage cache: assign a new
	// map to change it, never write into the one read.
	Filter map[string]string
	// IdentityCount is how many identities the user holds; storage keeps it
	// (in the same transactions as the identities) so that readers can skip
	// looking for identities of users that have none.
	IdentityCount int
	Created       time.Time
	Modified      time.Time
}

// UserLookup names a user by one of its unique keys.
type UserLookup struct {
	Field string // "username" (UsernameKey), "sub", "alias_email", "alias_phone", "alias_preferred"
	Value string
}

// UserFilter is a ListUsers filter on one FilterColumns entry.
type UserFilter struct {
	Column string
	Value  string
	Prefix bool
}

// Identity is one external identity held by a user: the user's own identity
// when it was made by a federated sign-in (Primary), or a link.
type Identity struct {
	Seq           int64
	PoolID        string
	ProviderName  string
	ProviderType  string
	AttributeName string
	Value         string
	UserSub       string
	Primary       bool
	Issuer        string
	Created       time.Time
}

// Provider is an identity provider of a pool.
type Provider struct {
	Seq              int64
	PoolID           string
	Name             string
	Type             string
	Details          map[string]string
	AttributeMapping map[string]string
	Identifiers      []string
	Created          time.Time
	Modified         time.Time
}

// Client is an app client. Config is the domain's encoded configuration.
type Client struct {
	Seq      int64
	ID       string
	PoolID   string
	Name     string
	Config   []byte
	Created  time.Time
	Modified time.Time
}

// Storage is everything cognitod keeps. Every method is atomic; update
// functions run inside the transaction and must not make network calls.
type Storage interface {
	Tokens
	Groups
	AuthCodes
	Resources
	Imports

	Ping(ctx context.Context) error
	Close() error

	// Secret returns the named server secret, creating it with gen on first use.
	Secret(ctx context.Context, name string, gen func() []byte) ([]byte, error)
	// Setting answers a named account setting; ErrNotFound when it is unset.
	Setting(ctx context.Context, name string) ([]byte, error)
	// UpdateSetting changes a named setting in one transaction: fn gets its
	// value (nil when unset) and answers the new one.
	UpdateSetting(ctx context.Context, name string, fn func(old []byte) ([]byte, error)) error

	CreatePool(ctx context.Context, p Pool) error
	GetPool(ctx context.Context, id string) (Pool, error)
	// ListPools lists a Region's pools in creation order; region "" lists
	// every Region's.
	ListPools(ctx context.Context, region string, page Page) ([]Pool, error)
	UpdatePool(ctx context.Context, id string, fn func(*Pool) error) (Pool, error)
	DeletePool(ctx context.Context, id string) error
	CountUsers(ctx context.Context, poolID string) (int, error)

	// CreateUser stores a user and, in the same transaction, its own identities.
	CreateUser(ctx context.Context, u User, ids ...Identity) (User, error)
	GetUser(ctx context.Context, poolID string, by UserLookup) (User, error)
	// ListUsers answers users for listing: without Password and Extra, and
	// with Filter holding only username, sub and the filter's own column.
	ListUsers(ctx context.Context, poolID string, filter *UserFilter, page Page) ([]User, error)
	UpdateUser(ctx context.Context, poolID, sub string, fn func(*User) error) (User, error)
	DeleteUser(ctx context.Context, poolID, sub string) error

	// LinkIdentity records id for the user id.UserSub. check runs inside the
	// transaction with the user and its current identities; an error from it
	// aborts. touch, if not nil, updates the user in the same transaction.
	// A second identity with the same (pool, provider, attribute, value)
	// fails with a *UniqueError{Field: "identity"}.
	LinkIdentity(ctx context.Context, id Identity, check func(u *User, ids []Identity) error) error
	GetIdentity(ctx context.Context, poolID, provider, attrName, value string) (Identity, error)
	ListIdentities(ctx context.Context, poolID string, subs []string) (map[string][]Identity, error)
	// UnlinkIdentity removes a link (an identity that is not a user's own,
	// Primary one) and, atomically with it, counts it off its user and sets
	// the user's Modified to modified (unless zero); ErrNotFound when there
	// is no such link.
	UnlinkIdentity(ctx context.Context, poolID, provider, attrName, value string, modified time.Time) error

	CreateProvider(ctx context.Context, p Provider) error
	GetProvider(ctx context.Context, poolID, name string) (Provider, error)
	GetProviderByIdentifier(ctx context.Context, poolID, identifier string) (Provider, error)
	ListProviders(ctx context.Context, poolID string, page Page) ([]Provider, error)
	UpdateProvider(ctx context.Context, poolID, name string, fn func(*Provider) error) (Provider, error)
	DeleteProvider(ctx context.Context, poolID, name string) error

	CreateClient(ctx context.Context, c Client) error
	GetClient(ctx context.Context, id string) (Client, error)
	ListClients(ctx context.Context, poolID string, page Page) ([]Client, error)
	UpdateClient(ctx context.Context, id string, fn func(*Client) error) (Client, error)
	DeleteClient(ctx context.Context, id string) error
}
