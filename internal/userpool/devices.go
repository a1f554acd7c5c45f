package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// Device tracking. In a pool with a DeviceConfiguration, a sign-in that
// names no device the user has gets a new device key in NewDeviceMetadata,
// and its access token carries it (device_key). ConfirmDevice, with that
// token, keeps the device and the SRP verifier of the device's own secret.
// A sign-in that names a remembered device proves the device too
// (DEVICE_SRP_AUTH, then DEVICE_PASSWORD_VERIFIER), and with
// ChallengeRequiredOnNewDevice that proof stands in for MFA.
//
// A device key that was issued but never confirmed is kept nowhere: the
// access token it rode in is the proof that it was issued to its user. A
// user's devices live in the user's record, so deleting the user forgets
// them.

// deviceConfig is a pool's DeviceConfiguration; a pool without one does
// not track devices.
type deviceConfig struct {
	ChallengeRequiredOnNewDevice     bool
	DeviceOnlyRememberedOnUserPrompt bool
}

// maxDevices is how many confirmed devices a user keeps; confirming one
// more forgets the one that signed in least recently (cognitod choice).
const maxDevices = 100

// deviceRecord is one confirmed device of a user.
type deviceRecord struct {
	Seq        int64  `json:"seq"`
	Key        string `json:"key"`
	Name       string `json:"name,omitempty"`
	Salt       string `json:"salt"`     // hex
	Verifier   string `json:"verifier"` // hex of g^x
	Remembered bool   `json:"remembered,omitempty"`
	Created    int64  `json:"created"` // ms
	Modified   int64  `json:"modified"`
	LastAuth   int64  `json:"lastAuth"`
	// LastIP is the address the device last signed in (or was confirmed) from.
	LastIP string `json:"lastIp,omitempty"`
}

var (
	errDeviceNotFound = apierr.New(apierr.ResourceNotFound, "Device does not exist.")
	errNoDeviceConfig = apierr.New(apierr.InvalidUserPoolConfig, "Device tracking is not enabled for this user pool.")
)

// device finds a user's confirmed device by key.
func (x *userExtra) device(key string) *deviceRecord {
	if key == "" {
		return nil
	}
	for i := range x.Devices {
		if x.Devices[i].Key == key {
			return &x.Devices[i]
		}
	}
	return nil
}

func verifierOf(d *deviceRecord) auth.Verifier {
	return auth.Verifier{Salt: d.Salt, Verifier: d.Verifier}
}

func msTime(ms int64) *awsjson.Time { return awsjson.T(time.UnixMilli(ms)) }

// DeviceType is a device as the device operations answer it.
type DeviceType struct {
	DeviceKey                   string
	DeviceAttributes            []AttributeType
	DeviceCreateDate            *awsjson.Time
	DeviceLastModifiedDate      *awsjson.Time
	DeviceLastAuthenticatedDate *awsjson.Time
}

func (d *deviceRecord) render() DeviceType {
	status := "not_remembered"
	if d.Remembered {
		status = "remembered"
	}
	attrs := []AttributeType{{Name: "device_status", Value: ptr("valid")}}
	if d.Name != "" {
		attrs = append(attrs, AttributeType{Name: "device_name", Value: ptr(d.Name)})
	}
	attrs = append(attrs, AttributeType{Name: "dev:device_remembered_status", Value: ptr(status)})
	if d.LastIP != "" {
		attrs = append(attrs, AttributeType{Name: "last_ip_used", Value: ptr(d.LastIP)})
	}
	return DeviceType{DeviceKey: d.Key, DeviceAttributes: attrs, DeviceCreateDate: msTime(d.Created),
		DeviceLastModifiedDate: msTime(d.Modified), DeviceLastAuthenticatedDate: msTime(d.LastAuth)}
}

// deviceGroupKey is a user's device group key: the SRP realm of its
// devices. It is derived, so every node answers the same one without
// keeping it.
func (s *Service) deviceGroupKey(poolID, sub string) string {
	m := hmac.New(sha256.New, s.deviceGroupSecret)
	m.Write([]byte(poolID + "\x00" + sub))
	sum := m.Sum(nil)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := []byte{'-'}
	for _, b := range sum[:9] {
		out = append(out, alphabet[int(b)%len(alphabet)])
	}
	return string(out)
}

// NewDeviceMetadataType is the device a sign-in made for its client.
type NewDeviceMetadataType struct {
	DeviceKey      string
	DeviceGroupKey string
}

// deviceOfSignIn decides the device a finished sign-in's tokens speak for:
// the known device it named, or (when the pool tracks devices) a new one,
// answered as NewDeviceMetadata. A known device's last sign-in is noted.
func (s *Service) deviceOfSignIn(ctx context.Context, p *pool, u *storage.User, named string) (string, *NewDeviceMetadataType, error) {
	if p.devices == nil {
		return "", nil, nil
	}
	x := extraOf(u)
	if x.device(named) == nil {
		key := p.Region + "_" + uuid.NewString()
		return key, &NewDeviceMetadataType{DeviceKey: key, DeviceGroupKey: s.deviceGroupKey(p.ID, u.Sub)}, nil
	}
	now := s.clock().UnixMilli()
	updated, err := s.editExtra(ctx, p.ID, u.Sub, func(_ *storage.User, x *userExtra) error {
		if d := x.device(named); d != nil {
			d.LastAuth, d.LastIP = now, clientIP(ctx)
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	*u = updated
	return named, nil, nil
}

// rememberedDevice is the device a sign-in named, if the user has it
// remembered: such a sign-in must prove the device too.
func rememberedDevice(p *pool, u *storage.User, named string) bool {
	if p.devices == nil || named == "" {
		return false
	}
	x := extraOf(u)
	d := x.device(named)
	return d != nil && d.Remembered
}

// startDeviceSRP answers DEVICE_SRP_AUTH: the server's half of the
// device's SRP exchange, as DEVICE_PASSWORD_VERIFIER.
func (s *Service) startDeviceSRP(ctx context.Context, p *pool, c *UserPoolClientType, sess string, r map[string]string) (map[string]any, error) {
	st, err := s.openChallenge(p, c, sess, "DEVICE_SRP_AUTH")
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"USERNAME", "DEVICE_KEY", "SRP_A"} {
		if r[k] == "" {
			return nil, apierr.Invalid("Missing required parameter %s", k)
		}
	}
	if err := checkSecretHash(c, r["SECRET_HASH"], r["USERNAME"], st.Username); err != nil {
		return nil, err
	}
	if r["DEVICE_KEY"] != st.DeviceKey {
		return nil, errDeviceNotFound
	}
	u, d, err := s.userDevice(ctx, p, st.Sub, st.DeviceKey)
	if err != nil {
		return nil, err
	}
	out, err := s.srpChallenge(srpDevice, srpState{Pool: p.ID, Client: c.ClientId, Sub: u.Sub, Username: u.Username, A: r["SRP_A"], Device: d.Key},
		verifierOf(d), "DEVICE_PASSWORD_VERIFIER")
	if err != nil {
		return nil, err
	}
	params := out["ChallengeParameters"].(map[string]string)
	params["DEVICE_KEY"] = d.Key
	sealed, err := s.challenge(p, c, u, st.DeviceKey, "DEVICE_PASSWORD_VERIFIER", params)
	if err != nil {
		return nil, err
	}
	return sealed, nil
}

// userDevice reads the user of a device sign-in and the device.
func (s *Service) userDevice(ctx context.Context, p *pool, sub, key string) (storage.User, *deviceRecord, error) {
	u, err := s.store.GetUser(ctx, p.ID, storage.UserLookup{Field: "sub", Value: sub})
	if err != nil {
		return u, nil, errBadSession
	}
	x := extraOf(&u)
	d := x.device(key)
	if d == nil {
		return u, nil, errDeviceNotFound
	}
	return u, d, nil
}

// verifyDeviceSRP answers DEVICE_PASSWORD_VERIFIER: a right proof of the
// device finishes the sign-in, with MFA unless the pool lets a remembered
// device stand in for it.
func (s *Service) verifyDeviceSRP(ctx context.Context, p *pool, c *UserPoolClientType, sess string, r map[string]string) (map[string]any, error) {
	cs, err := s.openChallenge(p, c, sess, "DEVICE_PASSWORD_VERIFIER")
	if err != nil {
		return nil, err
	}
	st, err := s.openSRPAnswer(srpDevice, p, c, r)
	if err != nil {
		return nil, err
	}
	if st.Device == "" || st.Device != cs.DeviceKey || st.Sub != cs.Sub || r["DEVICE_KEY"] != "" && r["DEVICE_KEY"] != st.Device {
		return nil, errBadSession
	}
	u, d, err := s.userDevice(ctx, p, st.Sub, st.Device)
	if err != nil {
		return nil, err
	}
	if !d.Remembered {
		return nil, errDeviceNotFound
	}
	if err := auth.CheckDeviceProof(s.deviceGroupKey(p.ID, u.Sub), d.Key, verifierOf(d), st.A, st.B, st.Secret,
		r["PASSWORD_CLAIM_SECRET_BLOCK"], r["TIMESTAMP"], r["PASSWORD_CLAIM_SIGNATURE"]); err != nil {
		return nil, errBadCredentials
	}
	if !p.devices.ChallengeRequiredOnNewDevice {
		if out, asked, err := s.mfaChallenge(ctx, p, c, u, d.Key); asked || err != nil {
			return out, err
		}
	}
	return s.signedInBy(ctx, p, c, u, d.Key, "TokenGeneration_AuthenticateDevice")
}

// ConfirmDeviceInput is the ConfirmDevice request.
type ConfirmDeviceInput struct {
	AccessToken                string
	DeviceKey                  string
	DeviceName                 string
	DeviceSecretVerifierConfig *struct{ PasswordVerifier, Salt string }
}

// ConfirmDevice keeps the device a sign-in made, with the verifier of its
// secret, so that it can be remembered.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ConfirmDevice.html
func (s *Service) ConfirmDevice(ctx context.Context, in *ConfirmDeviceInput) (map[string]any, error) {
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	p := c.pool
	if p.devices == nil {
		return nil, errNoDeviceConfig
	}
	x := extraOf(&c.user)
	known := x.device(in.DeviceKey) != nil
	if !known && c.claims.String("device_key") != in.DeviceKey {
		return nil, errDeviceNotFound
	}
	cfg := in.DeviceSecretVerifierConfig
	if cfg == nil || cfg.PasswordVerifier == "" || cfg.Salt == "" {
		return nil, apierr.Invalid("DeviceSecretVerifierConfig needs a PasswordVerifier and a Salt.")
	}
	verifier, errV := base64.StdEncoding.DecodeString(cfg.PasswordVerifier)
	salt, errS := base64.StdEncoding.DecodeString(cfg.Salt)
	if errV != nil || errS != nil || len(verifier) == 0 || len(salt) == 0 {
		return nil, apierr.Invalid("DeviceSecretVerifierConfig's PasswordVerifier and Salt must be base64.")
	}
	now := s.clock().UnixMilli()
	remembered := !p.devices.DeviceOnlyRememberedOnUserPrompt
	_, err = s.editExtra(ctx, p.ID, c.user.Sub, func(_ *storage.User, x *userExtra) error {
		d := x.device(in.DeviceKey)
		if d == nil {
			if len(x.Devices) >= maxDevices {
				oldest := slices.IndexFunc(x.Devices, func(a deviceRecord) bool {
					return !slices.ContainsFunc(x.Devices, func(b deviceRecord) bool { return b.LastAuth < a.LastAuth })
				})
				x.Devices = slices.Delete(x.Devices, oldest, oldest+1)
			}
			var seq int64
			for _, e := range x.Devices {
				seq = max(seq, e.Seq)
			}
			x.Devices = append(x.Devices, deviceRecord{Seq: seq + 1, Key: in.DeviceKey, Created: now, LastAuth: now, Remembered: remembered})
			d = &x.Devices[len(x.Devices)-1]
		}
		d.Salt, d.Verifier, d.Modified, d.LastIP = hex.EncodeToString(salt), hex.EncodeToString(verifier), now, clientIP(ctx)
		if in.DeviceName != "" {
			d.Name = in.DeviceName
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserConfirmationNecessary": !remembered}, nil
}

// DeviceInput names a device of the signed-in user (AccessToken) or of a
// user an administrator names (UserPoolId, Username).
type DeviceInput struct {
	AccessToken            string
	UserPoolId             string
	Username               string
	DeviceKey              string
	DeviceRememberedStatus string
}

// deviceOwner finds the user a device request is about.
func (s *Service) deviceOwner(ctx context.Context, in *DeviceInput, admin bool) (*pool, storage.User, error) {
	if admin {
		p, u, err := s.poolUser(ctx, in.UserPoolId, in.Username)
		return p, u, err
	}
	if in.AccessToken == "" {
		return nil, storage.User{}, apierr.New(apierr.NotAuthorized, "Missing Authentication Token")
	}
	c, err := s.byAccessToken(ctx, in.AccessToken)
	if err != nil {
		return nil, storage.User{}, err
	}
	return c.pool, c.user, nil
}

func (s *Service) getDevice(ctx context.Context, in *DeviceInput, admin bool) (map[string]any, error) {
	_, u, err := s.deviceOwner(ctx, in, admin)
	if err != nil {
		return nil, err
	}
	x := extraOf(&u)
	d := x.device(in.DeviceKey)
	if d == nil {
		return nil, errDeviceNotFound
	}
	return map[string]any{"Device": d.render()}, nil
}

// GetDevice answers one of the signed-in user's devices.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetDevice.html
func (s *Service) GetDevice(ctx context.Context, in *DeviceInput) (map[string]any, error) {
	return s.getDevice(ctx, in, false)
}

// AdminGetDevice answers one of a user's devices.
func (s *Service) AdminGetDevice(ctx context.Context, in *DeviceInput) (map[string]any, error) {
	return s.getDevice(ctx, in, true)
}

// changeDevice changes (or, with fn nil, forgets) a device of a user.
func (s *Service) changeDevice(ctx context.Context, in *DeviceInput, admin bool, fn func(d *deviceRecord)) (map[string]any, error) {
	p, u, err := s.deviceOwner(ctx, in, admin)
	if err != nil {
		return nil, err
	}
	now := s.clock().UnixMilli()
	_, err = s.editExtra(ctx, p.ID, u.Sub, func(_ *storage.User, x *userExtra) error {
		i := slices.IndexFunc(x.Devices, func(d deviceRecord) bool { return d.Key == in.DeviceKey })
		if i < 0 {
			return errDeviceNotFound
		}
		if fn == nil {
			x.Devices = slices.Delete(x.Devices, i, i+1)
		} else {
			fn(&x.Devices[i])
			x.Devices[i].Modified = now
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// ForgetDevice forgets one of the signed-in user's devices.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ForgetDevice.html
func (s *Service) ForgetDevice(ctx context.Context, in *DeviceInput) (map[string]any, error) {
	return s.changeDevice(ctx, in, false, nil)
}

// AdminForgetDevice forgets one of a user's devices.
func (s *Service) AdminForgetDevice(ctx context.Context, in *DeviceInput) (map[string]any, error) {
	return s.changeDevice(ctx, in, true, nil)
}

func rememberedStatus(in *DeviceInput) func(d *deviceRecord) {
	return func(d *deviceRecord) { d.Remembered = in.DeviceRememberedStatus == "remembered" }
}

// UpdateDeviceStatus marks one of the signed-in user's devices remembered
// or not.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateDeviceStatus.html
func (s *Service) UpdateDeviceStatus(ctx context.Context, in *DeviceInput) (map[string]any, error) {
	return s.changeDevice(ctx, in, false, rememberedStatus(in))
}

// AdminUpdateDeviceStatus marks one of a user's devices remembered or not.
func (s *Service) AdminUpdateDeviceStatus(ctx context.Context, in *DeviceInput) (map[string]any, error) {
	return s.changeDevice(ctx, in, true, rememberedStatus(in))
}

// ListDevicesInput is the (Admin)ListDevices request.
type ListDevicesInput struct {
	AccessToken     string
	UserPoolId      string
	Username        string
	Limit           int
	PaginationToken string
}

func (s *Service) listDevices(ctx context.Context, in *ListDevicesInput, admin bool) (map[string]any, error) {
	p, u, err := s.deviceOwner(ctx, &DeviceInput{AccessToken: in.AccessToken, UserPoolId: in.UserPoolId, Username: in.Username}, admin)
	if err != nil {
		return nil, err
	}
	devices, next, err := listKept(s, "devices/"+p.ID+"/"+u.Sub, in.PaginationToken, in.Limit, extraOf(&u).Devices,
		func(d deviceRecord) int64 { return d.Seq })
	if err != nil {
		return nil, err
	}
	list := make([]DeviceType, len(devices))
	for i := range devices {
		list[i] = devices[i].render()
	}
	out := map[string]any{"Devices": list}
	if next != "" {
		out["PaginationToken"] = next
	}
	return out, nil
}

// ListDevices lists the signed-in user's devices.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListDevices.html
func (s *Service) ListDevices(ctx context.Context, in *ListDevicesInput) (map[string]any, error) {
	return s.listDevices(ctx, in, false)
}

// AdminListDevices lists a user's devices.
func (s *Service) AdminListDevices(ctx context.Context, in *ListDevicesInput) (map[string]any, error) {
	return s.listDevices(ctx, in, true)
}
