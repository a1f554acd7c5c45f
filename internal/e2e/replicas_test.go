package e2e

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// A pool gets one secondary replica in another Region. Through it (calls
// signed for that Region) the pool is read, and signs users in once the
// replica is ACTIVE; users are not created or changed there.
func TestUserPoolReplicas(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, &cip.CreateUserPoolClientInput{ClientName: aws.String("admin"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	e.confirmedUser(pool, clientID, "ana", "Passw0rd!x")
	west := client(e.url, "us-west-2", testKeyID, testSecret)

	// Before a replica, the pool is not in us-west-2.
	_, err := west.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &pool})
	wantErr(t, err, "ResourceNotFoundException", "User pool "+pool+" does not exist.")
	_, err = e.c.CreateUserPoolReplica(e.ctx, &cip.CreateUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("us-east-1")})
	wantErr(t, err, "InvalidParameterException", "us-east-1 is user pool "+pool+"'s primary Region: a replica goes in another Region.")
	_, err = e.c.CreateUserPoolReplica(e.ctx, &cip.CreateUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("mars-north")})
	wantErr(t, err, "InvalidParameterException", `"mars-north" is not an AWS Region.`)

	out := must[*cip.CreateUserPoolReplicaOutput](t)(e.c.CreateUserPoolReplica(e.ctx, &cip.CreateUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("us-west-2")}))
	westARN := "arn:aws:cognito-idp:us-west-2:123456789012:userpool/" + pool
	if r := out.UserPoolReplica; aws.ToString(r.RegionName) != "us-west-2" || r.Status != types.ReplicaStatusTypeInactive || r.Role != types.ReplicaRoleTypeSecondary || aws.ToString(r.UserPoolArn) != westARN {
		t.Fatalf("replica %+v", r)
	}
	_, err = e.c.CreateUserPoolReplica(e.ctx, &cip.CreateUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("eu-west-1")})
	wantErr(t, err, "LimitExceededException", "User pool "+pool+" already has a secondary replica, in us-west-2: a user pool has at most one.")

	l := must[*cip.ListUserPoolReplicasOutput](t)(west.ListUserPoolReplicas(e.ctx, &cip.ListUserPoolReplicasInput{UserPoolId: &pool}))
	if len(l.UserPoolReplicas) != 2 || l.UserPoolReplicas[0].Role != types.ReplicaRoleTypePrimary || aws.ToString(l.UserPoolReplicas[0].RegionName) != "us-east-1" ||
		l.UserPoolReplicas[1].Role != types.ReplicaRoleTypeSecondary {
		t.Fatalf("replicas %+v", l.UserPoolReplicas)
	}
	pools := must[*cip.ListUserPoolsOutput](t)(e.c.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}))
	found := false
	for _, p := range pools.UserPools {
		if aws.ToString(p.Id) == pool {
			found = fmt.Sprint(p.ReplicaRegions) == "[us-west-2]"
		}
	}
	if !found {
		t.Fatal("ListUserPools does not name the replica's Region")
	}

	// us-west-2 lists the pool it holds a replica of.
	listed := must[*cip.ListUserPoolsOutput](t)(west.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}))
	if len(listed.UserPools) != 1 || aws.ToString(listed.UserPools[0].Id) != pool {
		t.Fatalf("us-west-2 lists %d pools", len(listed.UserPools))
	}
	// Reads through the secondary, with its own ARN.
	d := must[*cip.DescribeUserPoolOutput](t)(west.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &pool}))
	if aws.ToString(d.UserPool.Arn) != westARN {
		t.Fatalf("ARN through the replica: %s", aws.ToString(d.UserPool.Arn))
	}
	must[*cip.AdminGetUserOutput](t)(west.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ana")}))
	// No users made or changed there.
	_, err = west.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("bob")})
	wantErr(t, err, "InvalidParameterException", "AdminCreateUser is not allowed in us-west-2, a secondary Region of user pool "+pool+": make the change in its primary Region, us-east-1.")
	_, err = west.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ana"), Password: aws.String("Other-Passw0rd!"), Permanent: true})
	wantErr(t, err, "InvalidParameterException", "AdminSetUserPassword is not allowed in us-west-2, a secondary Region of user pool "+pool+": make the change in its primary Region, us-east-1.")
	_, err = west.DeleteUserPoolReplica(e.ctx, &cip.DeleteUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("us-west-2")})
	wantErr(t, err, "InvalidParameterException", "DeleteUserPoolReplica is not allowed in us-west-2, a secondary Region of user pool "+pool+": make the change in its primary Region, us-east-1.")

	// Sign-in there waits for activation, which either Region may make.
	signIn := func() (*cip.AdminInitiateAuthOutput, error) {
		return west.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: &pool, ClientId: &clientID, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "ana", "PASSWORD": "Passw0rd!x"}})
	}
	_, err = signIn()
	wantErr(t, err, "InvalidParameterException", "The replica of user pool "+pool+" in us-west-2 is INACTIVE: activate it with UpdateUserPoolReplica to sign users in there.")
	_, err = e.c.UpdateUserPoolReplica(e.ctx, &cip.UpdateUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("us-east-1"), Status: types.UpdateReplicaStatusTypeInactive})
	wantErr(t, err, "InvalidParameterException", "us-east-1 is user pool "+pool+"'s primary Region: only a secondary replica is activated or deactivated.")
	up := must[*cip.UpdateUserPoolReplicaOutput](t)(west.UpdateUserPoolReplica(e.ctx, &cip.UpdateUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("us-west-2"), Status: types.UpdateReplicaStatusTypeActive}))
	if up.UserPoolReplica.Status != types.ReplicaStatusTypeActive {
		t.Fatalf("after activation: %+v", up.UserPoolReplica)
	}
	if res := must[*cip.AdminInitiateAuthOutput](t)(signIn()); res.AuthenticationResult == nil {
		t.Fatal("no tokens from the active replica")
	}

	// Deleted from the primary: the pool is gone from us-west-2 again.
	del := must[*cip.DeleteUserPoolReplicaOutput](t)(e.c.DeleteUserPoolReplica(e.ctx, &cip.DeleteUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("us-west-2")}))
	if del.UserPoolReplica.Status != types.ReplicaStatusTypeDeleting {
		t.Fatalf("deleted replica %+v", del.UserPoolReplica)
	}
	_, err = west.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ana")})
	wantErr(t, err, "ResourceNotFoundException", "User pool "+pool+" does not exist.")
	if l := must[*cip.ListUserPoolsOutput](t)(west.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})); len(l.UserPools) != 0 {
		t.Fatalf("us-west-2 still lists %d pools", len(l.UserPools))
	}
	_, err = e.c.DeleteUserPoolReplica(e.ctx, &cip.DeleteUserPoolReplicaInput{UserPoolId: &pool, RegionName: aws.String("us-west-2")})
	wantErr(t, err, "ResourceNotFoundException", "User pool "+pool+" has no replica in us-west-2.")

	// Pools on the LITE plan have no replicas.
	lite := e.pool(&cip.CreateUserPoolInput{UserPoolTier: types.UserPoolTierTypeLite})
	_, err = e.c.CreateUserPoolReplica(e.ctx, &cip.CreateUserPoolReplicaInput{UserPoolId: &lite, RegionName: aws.String("us-west-2")})
	wantErr(t, err, "FeatureUnavailableInTierException", "Multi-Region replication requires the ESSENTIALS or PLUS feature plan; user pool "+lite+" is on LITE.")
}
