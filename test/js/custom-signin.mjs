// The CUSTOM_AUTH flow with amazon-cognito-identity-js: passwordless (the
// library's initiateAuth), with the password by SRP first (authenticateUser
// with authenticationFlowType CUSTOM_AUTH), and a wrong answer followed by
// the right one. The pool's functions ask for the answer "42". Prints one
// JSON line; exits non-zero on any failure. Driven by cognitod's Go tests
// through environment variables: ENDPOINT, POOL_ID, CLIENT_ID, USERNAME,
// PASSWORD.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

const env = process.env;
const pool = new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint: env.ENDPOINT });

// signIn runs a custom sign-in, answering each challenge with the next of
// answers; it answers the challenges' parameters and the session's username.
function signIn(start, answers) {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool });
  user.setAuthenticationFlowType("CUSTOM_AUTH");
  const asked = [];
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session) => resolve({ asked, username: session.getIdToken().payload["cognito:username"] }),
      onFailure: reject,
      customChallenge: (params) => {
        asked.push(params.hint);
        user.sendCustomChallengeAnswer(answers.shift(), callbacks);
      },
    };
    start(user, callbacks);
  });
}

const passwordless = await signIn(
  (user, cb) => user.initiateAuth(new AuthenticationDetails({ Username: env.USERNAME }), cb),
  ["41", "42"],
);
const withPassword = await signIn(
  (user, cb) => user.authenticateUser(new AuthenticationDetails({ Username: env.USERNAME, Password: env.PASSWORD }), cb),
  ["42"],
);
let wrongPassword = "";
try {
  await signIn(
    (user, cb) => user.authenticateUser(new AuthenticationDetails({ Username: env.USERNAME, Password: env.PASSWORD + "x" }), cb),
    ["42"],
  );
} catch (err) {
  wrongPassword = err.code || err.name;
}
console.log(JSON.stringify({ passwordless, withPassword, wrongPassword }));
