// Remembered devices with amazon-cognito-identity-js: the first sign-in
// answers the SMS code (read from cognitod's outbox) and the library
// confirms the device it was given; the user remembers it; a second
// sign-in, from the same storage, proves the device by device SRP instead
// of a code; a forgotten device brings the code back. Prints one JSON
// line; exits non-zero on any failure. Driven by cognitod's Go tests
// through environment variables: ENDPOINT, POOL_ID, CLIENT_ID, USERNAME,
// PASSWORD.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

const env = process.env;

// One storage for every CognitoUser, as one browser's localStorage: the
// library keeps the device key, group and secret there.
const kept = new Map();
const storage = {
  setItem: (k, v) => kept.set(k, String(v)),
  getItem: (k) => (kept.has(k) ? kept.get(k) : null),
  removeItem: (k) => kept.delete(k),
  clear: () => kept.clear(),
};
const pool = new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint: env.ENDPOINT, Storage: storage });

async function lastCode() {
  const r = await fetch(`${env.ENDPOINT}/_cognitod/outbox?userPoolId=${env.POOL_ID}&username=${env.USERNAME}`);
  const msgs = await r.json();
  return msgs[msgs.length - 1].code;
}

// signIn answers how the sign-in went: whether a code was asked, and
// whether the library was told to ask the user about remembering.
function signIn() {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool, Storage: storage });
  const seen = { codeAsked: false };
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session, userConfirmationNecessary) =>
        resolve({ user, session, userConfirmationNecessary: userConfirmationNecessary === true, ...seen }),
      onFailure: reject,
      mfaRequired: async () => {
        seen.codeAsked = true;
        user.sendMFACode(await lastCode(), callbacks);
      },
    };
    user.authenticateUser(new AuthenticationDetails({ Username: env.USERNAME, Password: env.PASSWORD }), callbacks);
  });
}

const call = (fn) => new Promise((resolve, reject) => fn({ onSuccess: resolve, onFailure: reject }));
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());

const first = await signIn();
first.user.getCachedDeviceKeyAndPassword();
const deviceKey = first.user.deviceKey;
await call((cb) => first.user.setDeviceStatusRemembered(cb));

const second = await signIn();
const listed = await new Promise((resolve, reject) =>
  second.user.listDevices(10, null, { onSuccess: resolve, onFailure: reject }),
);
await call((cb) => second.user.forgetDevice(cb));

const third = await signIn();
third.user.getCachedDeviceKeyAndPassword();

console.log(
  JSON.stringify({
    firstCodeAsked: first.codeAsked,
    firstUserConfirmationNecessary: first.userConfirmationNecessary,
    deviceKey,
    firstDeviceClaim: claims(first.session.getAccessToken().getJwtToken()).device_key,
    secondCodeAsked: second.codeAsked,
    secondDeviceClaim: claims(second.session.getAccessToken().getJwtToken()).device_key,
    listed: listed.Devices.map((d) => d.DeviceKey),
    thirdCodeAsked: third.codeAsked,
    thirdDeviceKey: third.user.deviceKey,
  }),
);
