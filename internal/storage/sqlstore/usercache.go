package sqlstore

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"

	"modernc.org/sqlite"

	"github.com/cognitod/cognitod/internal/storage"
)

// userCache keeps recently read users of a SQLite file database in memory,
// so that the reads which dominate Cognito traffic (AdminGetUser, every
// sign-in's lookup) skip a SQL query.
//
// It is correct without any caller's help: SQLite's pre-update hook on the
// writer connection reports every change to a users row, whatever statement
// made it, and the entry of that row goes at once. A reader only stores what
// it read when no write began or ended while it was reading (gen unchanged)
// and none was under way when it started (writing false): a row read from a
// snapshot older than a commit can never be stored after that commit.
//
// Only the SQLite file store has one: it is the only writer of its database
// (the data directory is locked), so no change can happen behind its back.
// Several PostgreSQL nodes share their database; they read it every time.
type userCache struct {
	mu      sync.Mutex
	gen     uint64
	writing bool
	max     int
	bySeq   map[int64]storage.User
	byKey   map[userKey]int64
}

// userKey is a lookup: pool, storage.UserLookup field and value.
type userKey struct {
	pool, field, value string
}

// defaultUserCacheSize bounds the cache: at about 1 KiB a user, 32 MiB.
const defaultUserCacheSize = 32 << 10

func newUserCache(max int) *userCache {
	return &userCache{max: max, bySeq: make(map[int64]storage.User), byKey: make(map[userKey]int64)}
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
// reads, and whether it may store at all.
func (c *userCache) begin() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, !c.writing
}

// put stores a user read under lookup k, if no write began or ended since
// begin answered gen.
func (c *userCache) put(gen uint64, k userKey, u storage.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.writing {
		return
	}
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
	c.byKey[k] = u.Seq
}

// rowChanged is the writer connection's pre-update hook.
func (c *userCache) rowChanged(d sqlite.SQLitePreUpdateData) {
	if d.TableName != "users" {
		return
	}
	c.mu.Lock()
	c.gen++
	c.writing = true
	delete(c.bySeq, d.OldRowID)
	delete(c.bySeq, d.NewRowID)
	c.mu.Unlock()
}

// writeEnded follows every commit or rollback on the writer connection.
func (c *userCache) writeEnded() {
	c.mu.Lock()
	if c.writing {
		c.gen++
		c.writing = false
	}
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
