package userpool

import (
	"context"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

// ParseFilter parses a ListUsers filter: `name = "value"` or
// `name ^= "value"`, with `\"` and `\\` escapes inside the quotes. An empty
// filter lists everyone (nil, nil).
func ParseFilter(f string) (*storage.UserFilter, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return nil, nil
	}
	bad := apierr.Invalid("Error while parsing filter.")
	i := 0
	for i < len(f) && f[i] != ' ' && f[i] != '=' && f[i] != '^' && f[i] != '\t' {
		i++
	}
	name := f[:i]
	rest := strings.TrimLeft(f[i:], " \t")
	var prefix bool
	switch {
	case strings.HasPrefix(rest, "^="):
		prefix, rest = true, rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return nil, bad
	}
	rest = strings.TrimLeft(rest, " \t")
	if len(rest) < 2 || rest[0] != '"' {
		return nil, bad
	}
	var val strings.Builder
	j := 1
	closed := false
	for ; j < len(rest); j++ {
		c := rest[j]
		if c == '\\' && j+1 < len(rest) {
			j++
			val.WriteByte(rest[j])
			continue
		}
		if c == '"' {
			closed = true
			j++
			break
		}
		val.WriteByte(c)
	}
	if !closed || strings.TrimSpace(rest[j:]) != "" || name == "" {
		return nil, bad
	}
	ok := false
	for _, c := range storage.FilterColumns {
		if c == name {
			ok = true
		}
	}
	if !ok {
		return nil, apierr.Invalid("Invalid search attribute: %s", name)
	}
	return &storage.UserFilter{Column: name, Value: val.String(), Prefix: prefix}, nil
}

// ListUsersInput is the ListUsers request.
type ListUsersInput struct {
	UserPoolId      string
	AttributesToGet *[]string
	Limit           int
	PaginationToken string
	Filter          string
}

// ListUsers lists users, one page at a time, optionally filtered.
func (s *Service) ListUsers(ctx context.Context, in *ListUsersInput) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	filter, err := ParseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	if filter != nil {
		switch filter.Column {
		case "username", "email", "preferred_username":
			filter.Value = p.key(filter.Value)
		case "cognito:user_status":
			filter.Value = strings.ToUpper(filter.Value)
		}
	}
	if in.AttributesToGet != nil {
		for _, name := range *in.AttributesToGet {
			if _, ok := p.schemaAttr(name); !ok {
				return nil, apierr.Invalid("One or more requested attributes do not exist.")
			}
		}
	}
	users, next, err := listPage(s, "users/"+p.ID+"/"+in.Filter, in.PaginationToken, in.Limit,
		func(pg storage.Page) ([]storage.User, error) { return s.store.ListUsers(ctx, p.ID, filter, pg) },
		func(u storage.User) int64 { return u.Seq })
	if err != nil {
		return nil, err
	}
	out, err := s.userTypes(ctx, p.ID, users)
	if err != nil {
		return nil, err
	}
	if in.AttributesToGet != nil {
		for i := range out {
			ut := &out[i]
			keep := ut.Attributes[:0]
			for _, a := range ut.Attributes {
				if contains(*in.AttributesToGet, a.Name) {
					keep = append(keep, a)
				}
			}
			ut.Attributes = keep
		}
	}
	res := map[string]any{"Users": out}
	if next != "" {
		res["PaginationToken"] = next
	}
	return res, nil
}

// userTypes are listed users on the wire, each with its identities.
func (s *Service) userTypes(ctx context.Context, poolID string, users []storage.User) ([]UserType, error) {
	ids, err := s.identitiesOf(ctx, poolID, users...)
	if err != nil {
		return nil, err
	}
	out := make([]UserType, 0, len(users))
	for i := range users {
		out = append(out, userType(&users[i], ids[users[i].Sub]))
	}
	return out, nil
}
