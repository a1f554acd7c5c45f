package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"github.com/bits-and-blooms/bloom/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// absentKeys answers, without a query, that no user of a pool has a user
// name, or that no identity (provider, attribute, value) is linked in it,
// for the SQLite file store. Those are the answers most lookups of them
// get: every link checks that its identity is new and that no user is named
// `<Provider>_<value>`, and every first federated sign-in does the same; a
// miss cannot be cached, and costs a query of two b-trees each time.
//
// A Bloom filter holds every user name key and identity that any row has
// held since the filter was made: it never answers "absent" for a key that
// is present (a key it holds but that is gone costs only the query). It is
// filled by a scan of the rows, while the writer's pre-update hook adds
// every key written from before the scan's snapshot on (see build): a key
// is in the filter before the transaction writing it commits. Until a
// scan has finished, every lookup queries.
//
// Keys are never removed, so the filter fills up: past its capacity it is
// dropped and a larger one built.
type absentKeys struct {
	reader *sql.DB
	// barrier returns once every write transaction whose statements ran
	// before it was called has committed or rolled back (the committer).
	barrier func(context.Context) error

	mu sync.RWMutex
	// live answers lookups; nil while none is complete.
	live *keyFilter
	// building is being filled by a scan (nil until the scan has sized
	// it); scanning is set while a build runs.
	building *keyFilter
	scanning bool
	// bulk is set while an import adds its own keys (see addBulk).
	bulk atomic.Bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// keyFilter is one Bloom filter and how many keys it was made for.
type keyFilter struct {
	f        *bloom.BloomFilter
	capacity uint
	added    uint
}

// minAbsentCapacity is the smallest filter: a million keys in 1.2 MB.
const minAbsentCapacity = 1 << 20

// absentFalsePositives is the share of absent keys that still query when
// the filter is full (one in a hundred).
const absentFalsePositives = 0.01

func newAbsentKeys() *absentKeys {
	a := &absentKeys{}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a
}

// start builds the first filter in the background.
func (a *absentKeys) start(reader *sql.DB, barrier func(context.Context) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reader, a.barrier = reader, barrier
	a.rebuildLocked()
}

func (a *absentKeys) close() {
	if a == nil {
		return
	}
	a.cancel()
	a.wg.Wait()
}

func userNameKey(pool, key string) string { return "u\x00" + pool + "\x00" + key }

func identityKey(pool, provider, attr, value string) string {
	return "i\x00" + pool + "\x00" + provider + "\x00" + attr + "\x00" + value
}

// userAbsent tells that no user of pool has the user name key.
func (a *absentKeys) userAbsent(pool, key string) bool {
	return a.absent(userNameKey(pool, key))
}

// identityAbsent tells that no identity (provider, attribute, value) is in pool.
func (a *absentKeys) identityAbsent(pool, provider, attr, value string) bool {
	return a.absent(identityKey(pool, provider, attr, value))
}

func (a *absentKeys) absent(k string) bool {
	if a == nil {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.live != nil && !a.live.f.TestString(k)
}

// rowChanged is the writer connection's pre-update hook: it adds the key
// of every users row inserted and every identities row inserted or
// updated. Reading a row's values costs allocations, and most writes are
// UPDATEs of users that keep their name.
func (a *absentKeys) rowChanged(d sqlite.SQLitePreUpdateData) {
	switch {
	case d.Op == sqlite3.SQLITE_DELETE || a.bulk.Load():
		return
	case d.TableName == "users" && d.Op == sqlite3.SQLITE_UPDATE:
		return // putUserTx, the one UPDATE of users, adds a changed name itself
	case d.TableName != "users" && d.TableName != "identities":
		return
	}
	a.mu.RLock()
	idle := a.live == nil && a.building == nil
	a.mu.RUnlock()
	if idle {
		return
	}
	// New stores each column's value in the slice it is given; every key
	// column is text, so anything else is a row the filter cannot know:
	// lookups query until it is rebuilt.
	var k string
	if d.TableName == "users" {
		col := make([]any, 5) // seq, pool_id, sub, username, username_key
		if d.New(col...) != nil || !allText(col[1], col[4]) {
			a.dropLive()
			return
		}
		k = userNameKey(text(col[1]), text(col[4]))
	} else {
		col := make([]any, 6) // seq, pool_id, provider_name, provider_type, attr_name, attr_value
		if d.New(col...) != nil || !allText(col[1], col[2], col[4], col[5]) {
			a.dropLive()
			return
		}
		k = identityKey(text(col[1]), text(col[2]), text(col[4]), text(col[5]))
	}
	a.add(k)
}

// allText tells that every value is a text (as every key column is).
func allText(vs ...any) bool {
	for _, v := range vs {
		switch v.(type) {
		case string, []byte:
		default:
			return false
		}
	}
	return true
}

// text is a column value the hook read as a string.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

// addUserName adds a user name key that an UPDATE is about to write.
func (a *absentKeys) addUserName(pool, key string) {
	if a != nil {
		a.add(userNameKey(pool, key))
	}
}

func (a *absentKeys) add(keys ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range keys {
		for _, kf := range [2]*keyFilter{a.live, a.building} {
			if kf != nil {
				kf.f.AddString(k)
				kf.added++
			}
		}
	}
	if a.live != nil && a.live.added > a.live.capacity {
		a.live = nil
		a.rebuildLocked()
	}
}

// addBulk runs insert, which writes rows whose keys it adds itself (an
// import's users, by the thousand), with the hook off.
func (a *absentKeys) addBulk(insert func() ([]string, error)) error {
	if a == nil {
		_, err := insert()
		return err
	}
	a.bulk.Store(true)
	keys, err := insert()
	a.bulk.Store(false)
	a.add(keys...)
	return err
}

func (a *absentKeys) dropLive() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.live = nil
	a.rebuildLocked()
}

// rebuildLocked starts a build unless one runs.
func (a *absentKeys) rebuildLocked() {
	if a.scanning || a.reader == nil || a.ctx.Err() != nil {
		return
	}
	a.scanning = true
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		kf := a.build()
		a.mu.Lock()
		defer a.mu.Unlock()
		if kf != nil {
			a.live = kf
		}
		a.building, a.scanning = nil, false
	}()
}

// build makes a filter of every key: sized from the tables' largest row
// ids (at least the rows' count), it is put in place for the hook, then
// a write barrier passes, so that every row written before the hook
// could add it is committed before the scan's snapshot starts.
func (a *absentKeys) build() *keyFilter {
	var users, ids int64
	err := a.reader.QueryRowContext(a.ctx, `SELECT (SELECT COALESCE(MAX(seq), 0) FROM users), (SELECT COALESCE(MAX(seq), 0) FROM identities)`).Scan(&users, &ids)
	if err != nil {
		return nil
	}
	capacity := max(uint(2*(users+ids)), minAbsentCapacity)
	kf := &keyFilter{f: bloom.NewWithEstimates(capacity, absentFalsePositives), capacity: capacity}
	a.mu.Lock()
	a.building = kf
	a.mu.Unlock()
	if a.barrier(a.ctx) != nil {
		return nil
	}
	scan := func(q string, key func(cols []string) string, cols []string) error {
		rows, err := a.reader.QueryContext(a.ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		dest := make([]any, len(cols))
		for i := range cols {
			dest[i] = &cols[i]
		}
		batch := make([]string, 0, 1024)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			if batch = append(batch, key(cols)); len(batch) == cap(batch) {
				a.addBuilding(kf, batch)
				batch = batch[:0]
			}
		}
		a.addBuilding(kf, batch)
		return rows.Err()
	}
	err = scan(`SELECT pool_id, username_key FROM users`, func(c []string) string { return userNameKey(c[0], c[1]) }, make([]string, 2))
	if err == nil {
		err = scan(`SELECT pool_id, provider_name, attr_name, attr_value FROM identities`,
			func(c []string) string { return identityKey(c[0], c[1], c[2], c[3]) }, make([]string, 4))
	}
	if err != nil {
		return nil
	}
	return kf
}

func (a *absentKeys) addBuilding(kf *keyFilter, keys []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range keys {
		kf.f.AddString(k)
		kf.added++
	}
}
