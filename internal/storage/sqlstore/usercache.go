package sqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"
	"hash/maphash"
	"maps"
	"math/bits"
	"slices"
	"sync"

	"modernc.org/sqlite"

	"github.com/cognitod/cognitod/internal/storage"
)

// userCache keeps recently read users (and identity providers) of a SQLite
// file database in memory, so that the reads which dominate Cognito traffic
// (AdminGetUser, every sign-in's lookup, the user a link or unlink changes,
// the provider every link names) skip a SQL query.
//
// It is correct without any caller's help: SQLite's pre-update hook on the
// writer connection reports every change to a users row, whatever statement
// made it; the row's entry goes at once, and again when the transaction ends
// (a reader may have stored the row's old version in between, read from a
// snapshot older than the commit). A reader stores what it read only if no
// write transaction ended while it was reading (gen unchanged): otherwise
// its snapshot may predate a commit that touched rows no longer pending.
//
// The writer also caches what it commits: the state putUserTx gave a row
// becomes its cached version when the transaction commits, unless any
// statement changed the row after it (the hook drops it) or the caller's
// savepoint was rolled back. The row a link or an unlink changes is the
// next one read, by the same caller's next call or the writer itself.
//
// Only the SQLite file store has one: it is the only writer of its database
// (the data directory is locked), so no change can happen behind its back.
// Several PostgreSQL nodes share their database; they read it every time.
type userCache struct {
	mu sync.Mutex
	// gen counts ended write transactions.
	gen uint64
	// pending holds the rows the write transaction under way changed.
	pending map[int64]struct{}
	// written holds, by row, the state putUserTx gave a user in the write
	// transaction under way, while no statement has changed the row since;
	// callerWrote are the rows the batch's current caller wrote.
	written     map[int64]storage.User
	callerWrote []int64
	max         int
	bySeq       map[int64]storage.User
	byKey       map[userKey]int64
	// providers are few and rarely change: any change to one empties them
	// all, at once and when its transaction ends.
	providers        map[[2]string]storage.Provider
	providersPending bool
	// seen is the admission doorkeeper: a lookup's read is cached only if
	// the same lookup missed recently (its hash is still in its slot). In a
	// pool far larger than the cache, most reads are of users not read
	// again before they would be evicted: storing each would cost a copy
	// and an eviction for nothing.
	seen []uint64
}

// seenSlotsPerUser sizes the doorkeeper: four slots per cached user.
const seenSlotsPerUser = 4

// userKey is a lookup: pool, storage.UserLookup field and value.
type userKey struct {
	pool, field, value string
}

// defaultUserCacheSize bounds the cache: at about 1 KiB a user, 16 MiB
// (resident memory stays small with a million users in a pool).
const defaultUserCacheSize = 16 << 10

func newUserCache(size int) *userCache {
	return &userCache{max: size, bySeq: make(map[int64]storage.User), byKey: make(map[userKey]int64), pending: make(map[int64]struct{}),
		written: make(map[int64]storage.User), providers: make(map[[2]string]storage.Provider),
		seen: make([]uint64, 1<<bits.Len(uint(max(size*seenSlotsPerUser, 2)-1)))}
}

var seenSeed = maphash.MakeSeed()

// admit answers whether a read under k is worth caching: the lookup's
// second miss within the doorkeeper's memory. c.mu is held.
func (c *userCache) admit(k userKey) bool {
	var h maphash.Hash
	h.SetSeed(seenSeed)
	h.WriteString(k.pool)
	h.WriteByte(0)
	h.WriteString(k.field)
	h.WriteByte(0)
	h.WriteString(k.value)
	sum := h.Sum64() | 1 // never the empty slot's 0
	slot := &c.seen[sum&uint64(len(c.seen)-1)]
	if *slot == sum {
		return true
	}
	*slot = sum
	return false
}

// get answers a copy of the cached user for a lookup, if there is one that
// still has that key.
func (c *userCache) get(k userKey) (storage.User, bool) {
	c.mu.Lock()
	seq, ok := c.byKey[k]
	var u storage.User
	if ok {
		u, ok = c.bySeq[seq]
	}
	c.mu.Unlock()
	if !ok || u.PoolID != k.pool || lookupValue(&u, k.field) != k.value {
		return storage.User{}, false
	}
	return copyUser(u), true
}

// begin answers the generation a reader must see unchanged to store what it
// reads.
func (c *userCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put stores a user read under lookup k, if no write transaction ended
// since begin answered gen and the transaction under way has not changed it.
func (c *userCache) put(gen uint64, k userKey, u storage.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, changing := c.pending[u.Seq]; c.gen != gen || changing || !c.admit(k) {
		return
	}
	c.insert(u, k)
}

// insert stores u under its lookups ks, making room if the cache is full.
// c.mu is held.
func (c *userCache) insert(u storage.User, ks ...userKey) {
	if len(c.bySeq) >= c.max {
		// Drop an arbitrary eighth: map order is random enough for a cache
		// whose misses cost one indexed query.
		n := c.max / 8
		for seq := range c.bySeq {
			delete(c.bySeq, seq)
			if n--; n <= 0 {
				break
			}
		}
		for key, seq := range c.byKey {
			if _, ok := c.bySeq[seq]; !ok {
				delete(c.byKey, key)
			}
		}
	}
	c.bySeq[u.Seq] = copyUser(u)
	for _, k := range ks {
		c.byKey[k] = u.Seq
	}
}

// wrote records the state putUserTx has just given a user's row.
func (c *userCache) wrote(u storage.User) {
	// As a read of the row would answer it: times in UTC milliseconds,
	// the filter values the row keeps.
	u.Created, u.Modified = fromMS(ms(u.Created)), fromMS(ms(u.Modified))
	u.Filter = storedFilter(&u)
	c.mu.Lock()
	c.written[u.Seq] = copyUser(u)
	c.callerWrote = append(c.callerWrote, u.Seq)
	c.mu.Unlock()
}

// callerStarted: a caller of the batch is about to run in its savepoint.
func (c *userCache) callerStarted() {
	c.mu.Lock()
	c.callerWrote = c.callerWrote[:0]
	c.mu.Unlock()
}

// callerRolledBack: the caller's savepoint was rolled back, its writes with it.
func (c *userCache) callerRolledBack() {
	c.mu.Lock()
	for _, seq := range c.callerWrote {
		delete(c.written, seq)
	}
	c.callerWrote = c.callerWrote[:0]
	c.mu.Unlock()
}

// getProvider answers a copy of a cached provider.
func (c *userCache) getProvider(pool, name string) (storage.Provider, bool) {
	c.mu.Lock()
	p, ok := c.providers[[2]string{pool, name}]
	c.mu.Unlock()
	if !ok {
		return p, false
	}
	return copyProvider(p), true
}

// copyProvider copies what callers may change in place.
func copyProvider(p storage.Provider) storage.Provider {
	p.Details = maps.Clone(p.Details)
	p.AttributeMapping = maps.Clone(p.AttributeMapping)
	p.Identifiers = slices.Clone(p.Identifiers)
	return p
}

// putProvider stores a provider read since begin answered gen.
func (c *userCache) putProvider(gen uint64, p storage.Provider) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.providersPending || len(c.providers) >= c.max {
		return
	}
	c.providers[[2]string{p.PoolID, p.Name}] = copyProvider(p)
}

// rowChanged is the writer connection's pre-update hook.
func (c *userCache) rowChanged(d sqlite.SQLitePreUpdateData) {
	if d.TableName == "identity_providers" {
		c.mu.Lock()
		c.providersPending = true
		clear(c.providers)
		c.mu.Unlock()
		return
	}
	if d.TableName != "users" {
		return
	}
	c.mu.Lock()
	for _, seq := range [2]int64{d.OldRowID, d.NewRowID} {
		delete(c.bySeq, seq)
		delete(c.written, seq)
		c.pending[seq] = struct{}{}
	}
	c.mu.Unlock()
}

// writeEnded follows every commit (committed) or rollback on the writer
// connection.
func (c *userCache) writeEnded(committed bool) {
	c.mu.Lock()
	c.gen++
	if c.providersPending {
		clear(c.providers)
		c.providersPending = false
	}
	for seq := range c.pending {
		delete(c.bySeq, seq)
		delete(c.pending, seq)
	}
	if committed {
		for _, u := range c.written {
			c.insert(u, userKey{pool: u.PoolID, field: "sub", value: u.Sub}, userKey{pool: u.PoolID, field: "username", value: u.UsernameKey})
		}
	}
	clear(c.written)
	c.callerWrote = c.callerWrote[:0]
	c.mu.Unlock()
}

// lookupValue is the value of a storage.UserLookup field of u.
func lookupValue(u *storage.User, field string) string {
	switch field {
	case "username":
		return u.UsernameKey
	case "sub":
		return u.Sub
	case "alias_email":
		return u.AliasEmail
	case "alias_phone":
		return u.AliasPhone
	case "alias_preferred":
		return u.AliasPreferred
	}
	return "\x00" // never a stored value: an unknown field never hits
}

// copyUser copies what callers may change in place (Filter is replaced,
// never changed, see storage.User).
func copyUser(u storage.User) storage.User {
	u.Attributes = append([]storage.Attribute(nil), u.Attributes...)
	u.Password = append([]byte(nil), u.Password...)
	u.Extra = append([]byte(nil), u.Extra...)
	return u
}

// hookedConnector opens SQLite connections with the cache's pre-update hook.
type hookedConnector struct {
	driver.Connector
	hook func(sqlite.SQLitePreUpdateData)
}

func (h hookedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := h.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	r, ok := conn.(sqlite.HookRegisterer)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite connection %T cannot register hooks", conn)
	}
	r.RegisterPreUpdateHook(h.hook)
	return conn, nil
}
