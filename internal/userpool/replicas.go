package userpool

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// Multi-Region replication: a user pool in its primary Region may have one
// secondary replica in another Region, with the same pool ID and user
// directory. The primary is where configuration and the directory are
// written; a secondary answers reads and, while ACTIVE, sign-ins, and
// refuses what creates users or changes them (sign-up, passwords,
// profiles). A new secondary starts INACTIVE.
// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-multi-region.html
//
// In cognitod a replica shares the primary's storage, so there is nothing
// to copy and no replication lag. A call reaches a secondary when its
// SigV4 scope names the replica's Region; unsigned calls (InitiateAuth and
// the other user operations) name no Region and are served as the
// primary's. Regional settings of a replica (its own email, SMS, Lambda
// triggers, tags, log export) are not kept: a secondary shows the
// primary's.

// replicasMember keeps a pool's secondary replicas in its configuration.
const replicasMember = "cognitod:Replicas"

// replica is a secondary replica of a pool.
type replica struct {
	RegionName string
	Status     string // ACTIVE or INACTIVE
}

// UserPoolReplicaType describes a replica, primary or secondary.
type UserPoolReplicaType struct {
	RegionName  string
	Status      string
	Role        string
	UserPoolArn string
}

func (p *pool) replicas() []replica {
	var out []replica
	if raw, ok := p.cfg[replicasMember]; ok {
		_ = json.Unmarshal(raw, &out)
	}
	return out
}

func (p *pool) setReplicas(rs []replica) {
	if len(rs) == 0 {
		delete(p.cfg, replicasMember)
		return
	}
	p.cfg[replicasMember] = mustJSON(rs)
}

// secondaryIn is the pool's secondary replica in region, if it has one.
func (p *pool) secondaryIn(region string) (replica, bool) {
	for _, r := range p.replicas() {
		if r.RegionName == region {
			return r, true
		}
	}
	return replica{}, false
}

func (s *Service) poolARN(poolID, region string) string {
	return "arn:aws:cognito-idp:" + region + ":" + s.accountID + ":userpool/" + poolID
}

// secondaryReads are operations a secondary answers besides the
// Describe/List/Get ones; secondarySignIns those it answers while ACTIVE.
var (
	secondaryReads    = []string{"AdminGetUser", "AdminListGroupsForUser", "AdminListDevices", "AdminGetDevice", "AdminListUserAuthEvents", "UpdateUserPoolReplica"}
	secondarySignIns  = []string{"AdminInitiateAuth", "AdminRespondToAuthChallenge"}
	regionNamePattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

// inSecondary decides whether operation op may run on pool p through its
// secondary replica in region (p's primary Region is another).
func inSecondary(p *pool, region, op string) error {
	r, ok := p.secondaryIn(region)
	if !ok {
		return poolNotFound(p.ID)
	}
	switch {
	case op == "" || strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Get") || slices.Contains(secondaryReads, op):
		return nil
	case slices.Contains(secondarySignIns, op):
		if r.Status != "ACTIVE" {
			return apierr.Invalid("The replica of user pool %s in %s is INACTIVE: activate it with UpdateUserPoolReplica to sign users in there.", p.ID, region)
		}
		return nil
	}
	return apierr.Invalid("%s is not allowed in %s, a secondary Region of user pool %s: make the change in its primary Region, %s.", op, region, p.ID, p.Region)
}

type operationKey struct{}

// WithOperation tells the domain which API operation a call is (a
// secondary replica answers some and refuses others).
func WithOperation(ctx context.Context, op string) context.Context {
	return context.WithValue(ctx, operationKey{}, op)
}

func operationFrom(ctx context.Context) string {
	op, _ := ctx.Value(operationKey{}).(string)
	return op
}

// CreateUserPoolReplica makes a pool's secondary replica in another Region.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolReplica.html
func (s *Service) CreateUserPoolReplica(ctx context.Context, in *struct {
	UserPoolId, RegionName string
	UserPoolTags           map[string]string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if tier := str(p.cfg["UserPoolTier"]); tier == "LITE" {
		return nil, apierr.New(apierr.FeatureUnavailableInTier, "Multi-Region replication requires the ESSENTIALS or PLUS feature plan; user pool %s is on LITE.", p.ID)
	}
	if !regionNamePattern.MatchString(in.RegionName) {
		return nil, apierr.Invalid("%q is not an AWS Region.", in.RegionName)
	}
	if in.RegionName == p.Region {
		return nil, apierr.Invalid("%s is user pool %s's primary Region: a replica goes in another Region.", in.RegionName, p.ID)
	}
	if len(in.UserPoolTags) > maxPoolTags {
		return nil, apierr.Invalid("A user pool can have at most %d tags; this request would give it %d.", maxPoolTags, len(in.UserPoolTags))
	}
	r := replica{RegionName: in.RegionName, Status: "INACTIVE"}
	err = s.changePool(ctx, p.ID, false, func(p *pool) error {
		if rs := p.replicas(); len(rs) > 0 {
			return apierr.New(apierr.LimitExceeded, "User pool %s already has a secondary replica, in %s: a user pool has at most one.", p.ID, rs[0].RegionName)
		}
		p.setReplicas([]replica{r})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPoolReplica": s.describeReplica(p.ID, r)}, nil
}

func (s *Service) describeReplica(poolID string, r replica) UserPoolReplicaType {
	return UserPoolReplicaType{RegionName: r.RegionName, Status: r.Status, Role: "SECONDARY", UserPoolArn: s.poolARN(poolID, r.RegionName)}
}

// ListUserPoolReplicas lists a pool's primary and its secondary replica.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUserPoolReplicas.html
func (s *Service) ListUserPoolReplicas(ctx context.Context, in *struct{ UserPoolId, NextToken string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	out := []UserPoolReplicaType{{RegionName: p.Region, Status: "ACTIVE", Role: "PRIMARY", UserPoolArn: s.poolARN(p.ID, p.Region)}}
	for _, r := range p.replicas() {
		out = append(out, s.describeReplica(p.ID, r))
	}
	return map[string]any{"UserPoolReplicas": out}, nil
}

// UpdateUserPoolReplica activates or deactivates a secondary replica; it
// may be called in either Region.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolReplica.html
func (s *Service) UpdateUserPoolReplica(ctx context.Context, in *struct{ UserPoolId, RegionName, Status string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.RegionName == p.Region {
		return nil, apierr.Invalid("%s is user pool %s's primary Region: only a secondary replica is activated or deactivated.", in.RegionName, p.ID)
	}
	out, err := s.changeReplica(ctx, p.ID, in.RegionName, func(rs []replica, i int) []replica {
		rs[i].Status = in.Status
		return rs
	})
	if err != nil {
		return nil, err
	}
	out.Status = in.Status
	return map[string]any{"UserPoolReplica": s.describeReplica(p.ID, out)}, nil
}

// DeleteUserPoolReplica removes a secondary replica; the pool and its users
// stay in the primary Region.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteUserPoolReplica.html
func (s *Service) DeleteUserPoolReplica(ctx context.Context, in *struct{ UserPoolId, RegionName string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.RegionName == p.Region {
		return nil, apierr.Invalid("%s is user pool %s's primary Region: delete the pool itself with DeleteUserPool.", in.RegionName, p.ID)
	}
	gone, err := s.changeReplica(ctx, p.ID, in.RegionName, func(rs []replica, i int) []replica { return slices.Delete(rs, i, i+1) })
	if err != nil {
		return nil, err
	}
	gone.Status = "DELETING"
	return map[string]any{"UserPoolReplica": s.describeReplica(p.ID, gone)}, nil
}

// changeReplica keeps the replicas fn makes of a pool's replicas rs, where
// i is that of region; it answers the replica as it was.
func (s *Service) changeReplica(ctx context.Context, poolID, region string, fn func(rs []replica, i int) []replica) (replica, error) {
	var found replica
	err := s.changePool(ctx, poolID, false, func(p *pool) error {
		rs := p.replicas()
		i := slices.IndexFunc(rs, func(r replica) bool { return r.RegionName == region })
		if i < 0 {
			return noReplica(poolID, region)
		}
		found = rs[i]
		p.setReplicas(fn(rs, i))
		return nil
	})
	return found, err
}

func noReplica(poolID, region string) error {
	return apierr.New(apierr.ResourceNotFound, "User pool %s has no replica in %s.", poolID, region)
}

// poolsIn pages through the pools a Region answers for: made there, or
// replicated there. Replicas are kept in their pool's configuration, so
// this walks every Region's pools; listing pools is an administrator's
// call, and pools are few beside users.
func (s *Service) poolsIn(ctx context.Context, region string, pg storage.Page) ([]storage.Pool, error) {
	const batch = 100
	var out []storage.Pool
	after := pg.After
	for {
		pools, err := s.store.ListPools(ctx, "", storage.Page{Limit: batch, After: after})
		if err != nil {
			return nil, err
		}
		for _, sp := range pools {
			if sp.Region == region || replicatedIn(sp, region) {
				out = append(out, sp)
				if len(out) == pg.Limit {
					return out, nil
				}
			}
		}
		if len(pools) < batch {
			return out, nil
		}
		after = pools[len(pools)-1].Seq
	}
}

// replicatedIn reports whether a stored pool has a secondary replica in
// region; most have none, and are told apart without decoding.
func replicatedIn(sp storage.Pool, region string) bool {
	if !bytes.Contains(sp.Config, []byte(replicasMember)) {
		return false
	}
	p, err := decodePool(sp)
	if err != nil {
		return false
	}
	_, ok := p.secondaryIn(region)
	return ok
}
