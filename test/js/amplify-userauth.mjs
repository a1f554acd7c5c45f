// Choice-based sign-in (USER_AUTH) with Amplify JS v6, the library most
// Cognito apps use: a code by email named up front, a code by SMS chosen
// from the factors offered, and the password by SRP. Codes are read from
// cognitod's outbox. Prints one JSON line; exits non-zero on any failure.
// Driven by cognitod's Go tests through environment variables: ENDPOINT,
// POOL_ID, CLIENT_ID, USERNAME, PASSWORD.
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn, signOut } from "aws-amplify/auth";

const env = process.env;
Amplify.configure({
  Auth: { Cognito: { userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.ENDPOINT } },
});

async function lastCode() {
  const r = await fetch(`${env.ENDPOINT}/_cognitod/outbox?userPoolId=${env.POOL_ID}&username=${env.USERNAME}`);
  const msgs = await r.json();
  return msgs[msgs.length - 1].code;
}

async function username() {
  const s = await fetchAuthSession();
  return s.tokens.accessToken.payload.username;
}

const steps = {};

let r = await signIn({ username: env.USERNAME, options: { authFlowType: "USER_AUTH", preferredChallenge: "EMAIL_OTP" } });
steps.emailStep = r.nextStep.signInStep;
r = await confirmSignIn({ challengeResponse: await lastCode() });
steps.emailDone = r.nextStep.signInStep;
steps.emailUser = await username();
await signOut();

r = await signIn({ username: env.USERNAME, options: { authFlowType: "USER_AUTH" } });
steps.chooseStep = r.nextStep.signInStep;
steps.offered = r.nextStep.availableChallenges;
r = await confirmSignIn({ challengeResponse: "SMS_OTP" });
steps.smsStep = r.nextStep.signInStep;
r = await confirmSignIn({ challengeResponse: await lastCode() });
steps.smsDone = r.nextStep.signInStep;
await signOut();

r = await signIn({
  username: env.USERNAME,
  password: env.PASSWORD,
  options: { authFlowType: "USER_AUTH", preferredChallenge: "PASSWORD_SRP" },
});
steps.passwordDone = r.nextStep.signInStep;
steps.passwordUser = await username();
await signOut();

console.log(JSON.stringify(steps));
