// Signs a user in with amazon-cognito-identity-js (USER_SRP_AUTH, its
// default), refreshes the session, and checks every token with
// aws-jwt-verify's CognitoJwtVerifier. Prints one JSON line; exits non-zero
// on any failure. Driven by cognitod's Go tests through environment
// variables: ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD, JWKS, GROUP.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";
import { CognitoJwtVerifier } from "aws-jwt-verify";

const env = process.env;
const pool = new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint: env.ENDPOINT });

function signIn(password) {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool });
  return new Promise((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: env.USERNAME, Password: password }), {
      onSuccess: (session) => resolve({ user, session }),
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
    }),
  );
}

function refresh(user, token) {
  return new Promise((resolve, reject) => user.refreshSession(token, (err, s) => (err ? reject(err) : resolve(s))));
}

async function expectFailure(what, p) {
  try {
    await p;
  } catch (err) {
    return err.name || err.code || String(err);
  }
  throw new Error(`${what} was accepted`);
}

const jwks = JSON.parse(env.JWKS);
const idVerifier = CognitoJwtVerifier.create({ userPoolId: env.POOL_ID, tokenUse: "id", clientId: env.CLIENT_ID });
const accessVerifier = CognitoJwtVerifier.create({ userPoolId: env.POOL_ID, tokenUse: "access", clientId: env.CLIENT_ID, groups: env.GROUP });
idVerifier.cacheJwks(jwks);
accessVerifier.cacheJwks(jwks);

const wrong = await expectFailure("a wrong password", signIn(env.PASSWORD + "x"));
const { user, session } = await signIn(env.PASSWORD);
const id = await idVerifier.verify(session.getIdToken().getJwtToken());
const access = await accessVerifier.verify(session.getAccessToken().getJwtToken());
const refreshed = await refresh(user, session.getRefreshToken());
const id2 = await idVerifier.verify(refreshed.getIdToken().getJwtToken());

const idAsAccess = await expectFailure("an ID token as access token", accessVerifier.verify(session.getIdToken().getJwtToken()));
const [h, p, s] = session.getAccessToken().getJwtToken().split(".");
const claims = JSON.parse(Buffer.from(p, "base64url").toString());
claims.username = "someone-else";
const forged = [h, Buffer.from(JSON.stringify(claims)).toString("base64url"), s].join(".");
const tampered = await expectFailure("a tampered token", accessVerifier.verify(forged));

console.log(JSON.stringify({
  wrongPassword: wrong,
  sub: id.sub,
  username: id["cognito:username"],
  accessUsername: access.username,
  groups: access["cognito:groups"],
  refreshedSameSub: id2.sub === id.sub,
  refreshedSameOrigin: id2.origin_jti === id.origin_jti,
  idAsAccess,
  tampered,
}));
