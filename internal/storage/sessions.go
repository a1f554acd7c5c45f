package storage

import (
	"context"
	"io"
	"time"
)

// RefreshToken is one refresh token lineage. Its ID is the origin_jti of
// every token issued from it, so revoking it revokes them too.
type RefreshToken struct {
	ID       string
	PoolID   string
	ClientID string
	UserSub  string
	AuthTime time.Time
	Created  time.Time
	Expires  time.Time
	Revoked  bool
	// Rotated: GetTokensFromRefreshToken gave a token of a new lineage in
	// its place (this one then lives on only for the client's grace period).
	Rotated bool
}

// Group is a user pool group.
type Group struct {
	Seq         int64
	PoolID      string
	Name        string
	Description string
	RoleArn     string
	Precedence  *int
	Created     time.Time
	Modified    time.Time
}

// Tokens keeps refresh tokens.
type Tokens interface {
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	GetRefreshToken(ctx context.Context, id string) (RefreshToken, error)
	RevokeRefreshToken(ctx context.Context, id string) error
	// RotateRefreshToken stores next, a lineage that replaces id, and marks
	// id rotated, shortening its life to until at most, in one transaction
	// (ErrNotFound if id is unknown; ErrRevoked if it is revoked).
	RotateRefreshToken(ctx context.Context, id string, until time.Time, next RefreshToken) error
	// RevokeUserTokens revokes every refresh token of a user (global sign-out).
	RevokeUserTokens(ctx context.Context, poolID, userSub string) error
}

// Groups keeps groups and their members.
type Groups interface {
	CreateGroup(ctx context.Context, g Group) error
	GetGroup(ctx context.Context, poolID, name string) (Group, error)
	ListGroups(ctx context.Context, poolID string, page Page) ([]Group, error)
	UpdateGroup(ctx context.Context, poolID, name string, fn func(*Group) error) (Group, error)
	DeleteGroup(ctx context.Context, poolID, name string) error
	// AddMember is idempotent; a missing group or user answers ErrNotFound.
	AddMember(ctx context.Context, poolID, group, userSub string) error
	RemoveMember(ctx context.Context, poolID, group, userSub string) error
	// GroupsOf lists a user's groups; page.After is a group Seq.
	GroupsOf(ctx context.Context, poolID, userSub string, page Page) ([]Group, error)
	// MembersOf lists a group's users; page.After is a user Seq.
	MembersOf(ctx context.Context, poolID, group string, page Page) ([]User, error)
}

// AuthCode is a one-time OAuth2 authorization code, or the state of a
// custom sign-in between two of its challenges (kept by its hash).
type AuthCode struct {
	Hash    string
	PoolID  string
	Payload []byte // the domain's encoding of what the code grants
	Expires time.Time
}

// AuthCodes keeps authorization codes.
type AuthCodes interface {
	CreateAuthCode(ctx context.Context, c AuthCode) error
	// TakeAuthCode removes and answers a code: a code can be taken once.
	TakeAuthCode(ctx context.Context, hash string) (AuthCode, error)
	// GetAuthCode answers a record without taking it (a record that lives
	// until it is taken or expires, such as a hosted sign-in session).
	GetAuthCode(ctx context.Context, hash string) (AuthCode, error)
	// PurgeAuthCodes removes the codes that expired before t.
	PurgeAuthCodes(ctx context.Context, t time.Time) error
}

// ResourceServer is an OAuth2 resource server of a pool with its scopes.
type ResourceServer struct {
	Seq        int64
	PoolID     string
	Identifier string
	Name       string
	Scopes     []byte // the domain's encoding of the scopes
}

// Domain is a hosted-UI domain (a prefix or a custom domain) of a pool.
type Domain struct {
	Domain  string
	PoolID  string
	Config  []byte
	Created time.Time
}

// LoginBranding is an app client's managed login style (one per client);
// Config is the domain's encoding of its settings and assets.
type LoginBranding struct {
	ID       string
	PoolID   string
	ClientID string
	Config   []byte
	Created  time.Time
	Modified time.Time
}

// Resources keeps resource servers, domains and login brandings.
type Resources interface {
	CreateResourceServer(ctx context.Context, r ResourceServer) error
	GetResourceServer(ctx context.Context, poolID, identifier string) (ResourceServer, error)
	ListResourceServers(ctx context.Context, poolID string, page Page) ([]ResourceServer, error)
	UpdateResourceServer(ctx context.Context, r ResourceServer) error
	DeleteResourceServer(ctx context.Context, poolID, identifier string) error

	CreateDomain(ctx context.Context, d Domain) error
	GetDomain(ctx context.Context, domain string) (Domain, error)
	DomainsOf(ctx context.Context, poolID string) ([]Domain, error)
	UpdateDomain(ctx context.Context, d Domain) error
	DeleteDomain(ctx context.Context, domain string) error

	// CreateLoginBranding stores a client's style; a client has one at most
	// (ErrAlreadyExists).
	CreateLoginBranding(ctx context.Context, b LoginBranding) error
	GetLoginBranding(ctx context.Context, poolID, id string) (LoginBranding, error)
	GetLoginBrandingByClient(ctx context.Context, poolID, clientID string) (LoginBranding, error)
	// UpdateLoginBranding replaces a style's Config and Modified.
	UpdateLoginBranding(ctx context.Context, b LoginBranding) error
	DeleteLoginBranding(ctx context.Context, poolID, id string) error
}

// ImportJob is a user import job; Config is the domain's encoding. Active
// marks a job that is waiting, running or stopping: ActiveImportJobs finds
// those, so that a job whose process stopped is taken up again.
type ImportJob struct {
	Seq    int64
	ID     string
	PoolID string
	Config []byte
	Active bool
}

// Imports keeps import jobs, their uploaded files and loads imported users.
type Imports interface {
	CreateImportJob(ctx context.Context, j ImportJob) error
	GetImportJob(ctx context.Context, poolID, id string) (ImportJob, error)
	ListImportJobs(ctx context.Context, poolID string, page Page) ([]ImportJob, error)
	// ActiveImportJobs lists the active jobs of every pool.
	ActiveImportJobs(ctx context.Context) ([]ImportJob, error)
	UpdateImportJob(ctx context.Context, poolID, id string, fn func(*ImportJob) error) (ImportJob, error)
	// PutImportFile keeps the CSV uploaded for a job, replacing an earlier
	// upload, where every node sharing the storage can read it. It reads r
	// outside any transaction (r may be a client's request body); the
	// upload becomes visible to OpenImportFile only once r is read to its
	// end and stored whole.
	PutImportFile(ctx context.Context, jobID string, r io.Reader) error
	// OpenImportFile reads a job's upload back; ErrNotFound when there is
	// none.
	OpenImportFile(ctx context.Context, jobID string) (io.ReadCloser, error)
	DeleteImportFile(ctx context.Context, jobID string) error
	// ImportUsers inserts users in one transaction; a user whose username,
	// sub or alias is taken is left out and reported at its index as a
	// *UniqueError naming the key (the username first when several are). In the same transaction it reads the job and lets progress
	// record the batch in it (progress's error undoes the whole batch), so
	// that a job resumed elsewhere neither loses nor repeats a row.
	ImportUsers(ctx context.Context, poolID, jobID string, users []User, progress func(job *ImportJob, errs []error) error) ([]error, error)
}
