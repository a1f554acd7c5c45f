package userpool

import (
	"context"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// GroupType is a group on the wire.
type GroupType struct {
	GroupName        string        `json:"GroupName"`
	UserPoolId       string        `json:"UserPoolId"`
	Description      string        `json:"Description,omitempty"`
	RoleArn          string        `json:"RoleArn,omitempty"`
	Precedence       *int          `json:"Precedence,omitempty"`
	LastModifiedDate *awsjson.Time `json:"LastModifiedDate,omitempty"`
	CreationDate     *awsjson.Time `json:"CreationDate,omitempty"`
}

func groupType(g storage.Group) GroupType {
	return GroupType{GroupName: g.Name, UserPoolId: g.PoolID, Description: g.Description, RoleArn: g.RoleArn, Precedence: g.Precedence,
		LastModifiedDate: awsjson.T(g.Modified), CreationDate: awsjson.T(g.Created)}
}

var errGroupNotFound = apierr.New(apierr.ResourceNotFound, "Group not found.")

// GroupInput is CreateGroup and UpdateGroup.
type GroupInput struct {
	UserPoolId  string
	GroupName   string
	Description *string
	RoleArn     *string
	Precedence  *int
}

// CreateGroup adds a group to a pool.
func (s *Service) CreateGroup(ctx context.Context, in *GroupInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	g := storage.Group{PoolID: p.ID, Name: in.GroupName, Description: deref(in.Description), RoleArn: deref(in.RoleArn), Precedence: in.Precedence, Created: now, Modified: now}
	if err := s.store.CreateGroup(ctx, g); err != nil {
		if _, dup := uniqueField(err); dup {
			return nil, apierr.New(apierr.GroupExists, "A group with the name %s already exists.", in.GroupName)
		}
		return nil, err
	}
	return map[string]any{"Group": groupType(g)}, nil
}

// GroupRef names one group.
type GroupRef struct {
	UserPoolId string
	GroupName  string
}

// groupAnswer is the answer that carries a group read or written with err.
func groupAnswer(g storage.Group, err error) (map[string]any, error) {
	if err != nil {
		return nil, groupErr(err)
	}
	return map[string]any{"Group": groupType(g)}, nil
}

// groupErr words a group that is not there as Cognito does.
func groupErr(err error) error {
	if isNotFound(err) {
		return errGroupNotFound
	}
	return err
}

func (s *Service) groupExists(ctx context.Context, poolID, name string) error {
	_, err := s.store.GetGroup(ctx, poolID, name)
	return groupErr(err)
}

// GetGroup answers a group.
func (s *Service) GetGroup(ctx context.Context, in *GroupRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	g, err := s.store.GetGroup(ctx, p.ID, in.GroupName)
	return groupAnswer(g, err)
}

// UpdateGroup changes the given members of a group.
func (s *Service) UpdateGroup(ctx context.Context, in *GroupInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	g, err := s.store.UpdateGroup(ctx, p.ID, in.GroupName, func(g *storage.Group) error {
		if in.Description != nil {
			g.Description = *in.Description
		}
		if in.RoleArn != nil {
			g.RoleArn = *in.RoleArn
		}
		if in.Precedence != nil {
			g.Precedence = in.Precedence
		}
		g.Modified = s.clock()
		return nil
	})
	return groupAnswer(g, err)
}

// DeleteGroup removes a group (its members stay users).
func (s *Service) DeleteGroup(ctx context.Context, in *GroupRef) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	return nil, groupErr(s.store.DeleteGroup(ctx, p.ID, in.GroupName))
}

// ListGroupsInput is the ListGroups request.
type ListGroupsInput struct {
	UserPoolId string
	Limit      int
	NextToken  string
}

// ListGroups lists a pool's groups.
func (s *Service) ListGroups(ctx context.Context, in *ListGroupsInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	list, next, err := listPage(s, "groups/"+p.ID, in.NextToken, in.Limit,
		func(pg storage.Page) ([]storage.Group, error) { return s.store.ListGroups(ctx, p.ID, pg) },
		func(g storage.Group) int64 { return g.Seq })
	if err != nil {
		return nil, err
	}
	return groupsPage(list, next), nil
}

func groupsPage(list []storage.Group, next string) map[string]any {
	out := make([]GroupType, 0, len(list))
	for _, g := range list {
		out = append(out, groupType(g))
	}
	res := map[string]any{"Groups": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res
}

// MembershipInput is AdminAddUserToGroup and AdminRemoveUserFromGroup.
type MembershipInput struct {
	UserPoolId string
	Username   string
	GroupName  string
}

func (s *Service) membership(ctx context.Context, in *MembershipInput, add bool) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	if err := s.groupExists(ctx, p.ID, in.GroupName); err != nil {
		return nil, err
	}
	if add {
		err = s.store.AddMember(ctx, p.ID, in.GroupName, u.Sub)
	} else {
		err = s.store.RemoveMember(ctx, p.ID, in.GroupName, u.Sub)
	}
	return nil, err
}

// AdminAddUserToGroup puts a user in a group.
func (s *Service) AdminAddUserToGroup(ctx context.Context, in *MembershipInput) (map[string]any, error) {
	return s.membership(ctx, in, true)
}

// AdminRemoveUserFromGroup takes a user out of a group.
func (s *Service) AdminRemoveUserFromGroup(ctx context.Context, in *MembershipInput) (map[string]any, error) {
	return s.membership(ctx, in, false)
}

// AdminListGroupsForUser lists a user's groups.
func (s *Service) AdminListGroupsForUser(ctx context.Context, in *struct {
	UserPoolId string
	Username   string
	Limit      int
	NextToken  string
}) (map[string]any, error) {
	p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
	if err != nil {
		return nil, err
	}
	list, next, err := listPage(s, "usergroups/"+p.ID+"/"+u.Sub, in.NextToken, in.Limit,
		func(pg storage.Page) ([]storage.Group, error) { return s.store.GroupsOf(ctx, p.ID, u.Sub, pg) },
		func(g storage.Group) int64 { return g.Seq })
	if err != nil {
		return nil, err
	}
	return groupsPage(list, next), nil
}

// ListUsersInGroup lists a group's users.
func (s *Service) ListUsersInGroup(ctx context.Context, in *struct {
	UserPoolId string
	GroupName  string
	Limit      int
	NextToken  string
}) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if err := s.groupExists(ctx, p.ID, in.GroupName); err != nil {
		return nil, err
	}
	users, next, err := listPage(s, "members/"+p.ID+"/"+in.GroupName, in.NextToken, in.Limit,
		func(pg storage.Page) ([]storage.User, error) { return s.store.MembersOf(ctx, p.ID, in.GroupName, pg) },
		func(u storage.User) int64 { return u.Seq })
	if err != nil {
		return nil, err
	}
	out, err := s.userTypes(ctx, p.ID, users)
	if err != nil {
		return nil, err
	}
	res := map[string]any{"Users": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}
