package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

const benchPassword = "Bench-Passw0rd!"

var runID = time.Now().UnixNano()

type fixture struct {
	pool   string
	client string
	users  []string
	// emailNames: the pool signs users in by email (some peers' default).
	emailNames bool
}

// email is the email address of fixture user i.
func (f *fixture) email(name string) string {
	if f.emailNames {
		return name
	}
	return name + "@example.com"
}

// makeFixture creates a pool, an app client allowing password and refresh
// flows, and n users with permanent passwords.
func makeFixture(ctx context.Context, c *caller, n int, withPasswords bool) (*fixture, error) {
	return makeFixtureWith(ctx, c, n, withPasswords, nil)
}

// makeFixtureWith runs prepare on the new pool before creating its users,
// so that a peer lacking what prepare needs fails before a long setup.
func makeFixtureWith(ctx context.Context, c *caller, n int, withPasswords bool, prepare func(pool string) error) (*fixture, error) {
	var pool struct {
		UserPool struct {
			Id                 string
			UsernameAttributes []string
		}
	}
	if err := c.call(ctx, "CreateUserPool", map[string]any{"PoolName": fmt.Sprint("bench-", runID)}, &pool, true); err != nil {
		return nil, err
	}
	emailNames := false
	for _, a := range pool.UserPool.UsernameAttributes {
		emailNames = emailNames || a == "email"
	}
	var client struct{ UserPoolClient struct{ ClientId string } }
	err := c.call(ctx, "CreateUserPoolClient", map[string]any{"UserPoolId": pool.UserPool.Id, "ClientName": "bench",
		"ExplicitAuthFlows": []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, &client, true)
	if err != nil {
		return nil, err
	}
	f := &fixture{pool: pool.UserPool.Id, client: client.UserPoolClient.ClientId, users: make([]string, n), emailNames: emailNames}
	if prepare != nil {
		if err := prepare(f.pool); err != nil {
			return nil, err
		}
	}
	// Create users on several connections: a million-user setup is mostly this.
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				name := fmt.Sprintf("user%07d", i)
				if f.emailNames {
					name += "@example.com"
				}
				f.users[i] = name
				err := c.call(ctx, "AdminCreateUser", map[string]any{"UserPoolId": f.pool, "Username": name, "MessageAction": "SUPPRESS",
					"UserAttributes": []map[string]string{{"Name": "email", "Value": f.email(name)}}}, nil, true)
				if err == nil && withPasswords {
					err = c.call(ctx, "AdminSetUserPassword", map[string]any{"UserPoolId": f.pool, "Username": name, "Password": benchPassword, "Permanent": true}, nil, true)
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if v := firstErr.Load(); v != nil {
		return nil, v.(error)
	}
	return f, nil
}

var scenarios = []scenario{
	{name: "AdminGetUser", setup: func(ctx context.Context, c *caller, o Options) (func(context.Context, int, int64) error, error) {
		f, err := makeFixture(ctx, c, o.Users, false)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, _ int, _ int64) error {
			return c.call(ctx, "AdminGetUser", map[string]any{"UserPoolId": f.pool, "Username": f.users[rand.IntN(len(f.users))]}, nil, true)
		}, nil
	}},
	{name: "AdminCreateUser", setup: func(ctx context.Context, c *caller, o Options) (func(context.Context, int, int64) error, error) {
		f, err := makeFixture(ctx, c, o.Users, false)
		if err != nil {
			return nil, err
		}
		var n atomic.Int64
		return func(ctx context.Context, _ int, _ int64) error {
			name := fmt.Sprint("new", n.Add(1))
			if f.emailNames {
				name += "@example.com"
			}
			return c.call(ctx, "AdminCreateUser", map[string]any{"UserPoolId": f.pool, "Username": name, "MessageAction": "SUPPRESS",
				"UserAttributes": []map[string]string{{"Name": "email", "Value": f.email(name)}}}, nil, true)
		}, nil
	}},
	{name: "ListUsers email filter", setup: func(ctx context.Context, c *caller, o Options) (func(context.Context, int, int64) error, error) {
		f, err := makeFixture(ctx, c, o.Users, false)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, _ int, _ int64) error {
			u := f.users[rand.IntN(len(f.users))]
			var out struct{ Users []json.RawMessage } // counted, not decoded
			if err := c.call(ctx, "ListUsers", map[string]any{"UserPoolId": f.pool, "Filter": `email = "` + f.email(u) + `"`}, &out, true); err != nil {
				return err
			}
			if len(out.Users) != 1 {
				return fmt.Errorf("ListUsers found %d users", len(out.Users))
			}
			return nil
		}, nil
	}},
	{name: "Link+DisableProvider pair", setup: func(ctx context.Context, c *caller, o Options) (func(context.Context, int, int64) error, error) {
		f, err := makeFixtureWith(ctx, c, o.Users, false, func(pool string) error {
			return c.call(ctx, "CreateIdentityProvider", map[string]any{"UserPoolId": pool, "ProviderName": "Google", "ProviderType": "Google",
				"ProviderDetails": map[string]string{"client_id": "bench", "client_secret": "bench", "authorize_scopes": "openid"}}, nil, true)
		})
		if err != nil {
			return nil, err
		}
		var n atomic.Int64
		return func(ctx context.Context, _ int, _ int64) error {
			subject := fmt.Sprint("g-", n.Add(1))
			src := map[string]string{"ProviderName": "Google", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": subject}
			err := c.call(ctx, "AdminLinkProviderForUser", map[string]any{"UserPoolId": f.pool,
				"DestinationUser": map[string]string{"ProviderName": "Cognito", "ProviderAttributeValue": f.users[rand.IntN(len(f.users))]},
				"SourceUser":      src}, nil, true)
			if err != nil {
				return err
			}
			return c.call(ctx, "AdminDisableProviderForUser", map[string]any{"UserPoolId": f.pool, "User": src}, nil, true)
		}, nil
	}},
	{name: "InitiateAuth password", setup: func(ctx context.Context, c *caller, o Options) (func(context.Context, int, int64) error, error) {
		n := o.Users
		if n > 200 {
			n = 200 // chosen passwords are slow to set on purpose
		}
		f, err := makeFixture(ctx, c, n, true)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, _ int, _ int64) error {
			return c.call(ctx, "InitiateAuth", map[string]any{"ClientId": f.client, "AuthFlow": "USER_PASSWORD_AUTH",
				"AuthParameters": map[string]string{"USERNAME": f.users[rand.IntN(len(f.users))], "PASSWORD": benchPassword}}, nil, false)
		}, nil
	}},
	{name: "InitiateAuth refresh", setup: func(ctx context.Context, c *caller, o Options) (func(context.Context, int, int64) error, error) {
		f, err := makeFixture(ctx, c, 1, true)
		if err != nil {
			return nil, err
		}
		var out struct{ AuthenticationResult struct{ RefreshToken string } }
		if err := c.call(ctx, "InitiateAuth", map[string]any{"ClientId": f.client, "AuthFlow": "USER_PASSWORD_AUTH",
			"AuthParameters": map[string]string{"USERNAME": f.users[0], "PASSWORD": benchPassword}}, &out, false); err != nil {
			return nil, err
		}
		token := out.AuthenticationResult.RefreshToken
		return func(ctx context.Context, _ int, _ int64) error {
			return c.call(ctx, "InitiateAuth", map[string]any{"ClientId": f.client, "AuthFlow": "REFRESH_TOKEN_AUTH",
				"AuthParameters": map[string]string{"REFRESH_TOKEN": token}}, nil, false)
		}, nil
	}},
}
