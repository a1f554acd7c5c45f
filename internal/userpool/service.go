package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/outbox"
	"github.com/cognitod/cognitod/internal/quota"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/tokens"
	"github.com/cognitod/cognitod/internal/triggers"
)

// Service is the Cognito domain over a storage backend.
type Service struct {
	store     storage.Storage
	accountID string
	log       *slog.Logger
	now       func() time.Time
	pageKey   []byte
	// deviceGroupSecret derives users' device group keys.
	deviceGroupSecret []byte
	// fetch is the one outbound HTTP client (SAML metadata URLs).
	fetch  *http.Client
	keys   *tokens.Keys
	sealer *auth.Sealer
	// fields seals secrets kept in stored records (authenticator app
	// secrets) under the data key.
	fields  *auth.FieldCipher
	baseURL string
	outbox  *outbox.Outbox
	// pools caches decoded pool configurations (*pool by id); see getPool.
	pools    sync.Map
	triggers *triggers.Invoker
	// node names this process as the holder of the import jobs it runs;
	// importsRunning are those jobs (by id), so none runs twice here.
	node           string
	importsRunning sync.Map
	// limiter is the quota emulation's (nil when it is off).
	limiter *quota.Limiter
	// lastPurge is when (Unix seconds) expired one-time records were last purged.
	lastPurge atomic.Int64
}

// Options configure a Service.
type Options struct {
	AccountID string
	Logger    *slog.Logger
	Now       func() time.Time
	HTTP      *http.Client
	// BaseURL is the public URL of this server; token issuers are BaseURL/<poolId>.
	BaseURL string
	// Outbox receives the messages Cognito would send (nil: kept in memory).
	Outbox *outbox.Outbox
	// Triggers invokes Lambda triggers (nil: triggers fail as unreachable).
	Triggers *triggers.Invoker
	// Quota is the quota emulation's limiter (nil when it is off).
	Quota *quota.Limiter
	// DataKey seals secrets kept at rest (32 bytes; nil: a key kept in
	// storage); OldDataKeys are keys it replaces, still read during a
	// rotation.
	DataKey     []byte
	OldDataKeys [][]byte
}

// New makes a Service; it reads (or creates) the pagination token key.
func New(ctx context.Context, st storage.Storage, o Options) (*Service, error) {
	key, err := st.Secret(ctx, "pagination-key", auth.NewKey)
	if err != nil {
		return nil, err
	}
	sealKey, err := st.Secret(ctx, "seal-key", auth.NewKey)
	if err != nil {
		return nil, err
	}
	groupSecret, err := st.Secret(ctx, "device-group-key", auth.NewKey)
	if err != nil {
		return nil, err
	}
	sealer, err := auth.NewSealer(sealKey)
	if err != nil {
		return nil, err
	}
	dataKey := o.DataKey
	if dataKey == nil {
		if dataKey, err = st.Secret(ctx, "data-key", auth.NewKey); err != nil {
			return nil, err
		}
	}
	fields, err := auth.NewFieldCipher(dataKey, o.OldDataKeys...)
	if err != nil {
		return nil, err
	}
	s := &Service{store: st, accountID: o.AccountID, log: o.Logger, now: o.Now, pageKey: key, deviceGroupSecret: groupSecret, fetch: o.HTTP,
		keys: tokens.NewKeys(st), sealer: sealer, fields: fields, baseURL: strings.TrimRight(o.BaseURL, "/"), outbox: o.Outbox, triggers: o.Triggers, node: uuid.NewString(), limiter: o.Quota}
	if s.outbox == nil {
		s.outbox = outbox.New("")
	}
	if s.accountID == "" {
		s.accountID = "123456789012"
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.fetch == nil {
		s.fetch = &http.Client{Timeout: 5 * time.Second}
	}
	return s, nil
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

type regionKey struct{}

// WithRegion tells the domain which region a call is made in: the SigV4
// scope's region for a signed call.
func WithRegion(ctx context.Context, region string) context.Context {
	return context.WithValue(ctx, regionKey{}, region)
}

// RegionFrom is the region of the call.
func RegionFrom(ctx context.Context) string {
	r, _ := ctx.Value(regionKey{}).(string)
	return r
}

func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }

func uniqueField(err error) (string, bool) {
	var ue *storage.UniqueError
	if errors.As(err, &ue) {
		return ue.Field, true
	}
	return "", false
}

// pageToken makes an opaque, tamper-evident pagination token: the cursor and
// the scope it belongs to (operation, pool, filter), with an HMAC.
func (s *Service) pageToken(scope string, after int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(after))
	m := hmac.New(sha256.New, s.pageKey)
	m.Write([]byte(scope))
	m.Write(b[:])
	sum := m.Sum(nil)[:16]
	return base64.RawURLEncoding.EncodeToString(append(b[:], sum...))
}

// pageCursor checks and opens a token made by pageToken for the same scope.
func (s *Service) pageCursor(scope, token string) (int64, error) {
	if token == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil || len(raw) != 24 {
		return 0, apierr.Invalid("Invalid pagination token.")
	}
	m := hmac.New(sha256.New, s.pageKey)
	m.Write([]byte(scope))
	m.Write(raw[:8])
	if !hmac.Equal(m.Sum(nil)[:16], raw[8:]) {
		return 0, apierr.Invalid("Invalid pagination token.")
	}
	return int64(binary.BigEndian.Uint64(raw[:8])), nil
}

// listPage reads one page of a list: it opens the caller's token (made for
// the same scope), fetches limit+1 items to learn whether a next page
// exists, and makes the next token. A limit of 0 means the usual 60.
func listPage[T any](s *Service, scope, token string, limit int, fetch func(storage.Page) ([]T, error), seq func(T) int64) ([]T, string, error) {
	after, err := s.pageCursor(scope, token)
	if err != nil {
		return nil, "", err
	}
	if limit == 0 {
		limit = 60
	}
	items, err := fetch(storage.Page{Limit: limit + 1, After: after})
	if err != nil {
		return nil, "", err
	}
	if len(items) > limit {
		items = items[:limit]
		return items, s.pageToken(scope, seq(items[len(items)-1])), nil
	}
	return items, "", nil
}

// listKept pages through records a user keeps in its extra record, in
// order of seq: listPage over a slice.
func listKept[T any](s *Service, scope, token string, limit int, all []T, seq func(T) int64) ([]T, string, error) {
	return listPage(s, scope, token, limit, func(pg storage.Page) ([]T, error) {
		var out []T
		for _, r := range all {
			if seq(r) > pg.After && len(out) < pg.Limit {
				out = append(out, r)
			}
		}
		return out, nil
	}, seq)
}

// withFreshID retries create with a new random id when the id is taken.
func withFreshID(newID func() string, create func(id string) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		if err = create(newID()); err == nil {
			return nil
		}
		if _, dup := uniqueField(err); !dup {
			return err
		}
	}
	return err
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Issuer is the `iss` of a pool's tokens.
func (s *Service) Issuer(poolID string) string { return s.baseURL + "/" + poolID }

// Keys are the token signing keys (for the JWKS endpoint).
func (s *Service) Keys() *tokens.Keys { return s.keys }

func jsonInto(raw []byte, v any) error {
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// BaseURL is the public URL of the server.
func (s *Service) BaseURL() string { return s.baseURL }

// Sealer seals state that the hosted pages hand to browsers and IdPs.
func (s *Service) Sealer() *auth.Sealer { return s.sealer }

// Now is the service clock.
func (s *Service) Now() time.Time { return s.now() }
