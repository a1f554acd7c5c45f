package userpool

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/storage"
)

// Managed login branding: an app client's style for Cognito's newer
// managed login pages (its settings document and image assets), one per
// client. cognitod keeps and answers it; its hosted pages take the classic
// UI customization (SetUICustomization).

// brandingAsset is one AssetType.
type brandingAsset struct {
	Category   string
	ColorMode  string
	Extension  string
	Bytes      []byte `json:",omitempty"`
	ResourceId string `json:",omitempty"`
}

// brandingConfig is what a branding is: the stored Config.
type brandingConfig struct {
	UseCognitoProvidedValues bool
	Settings                 json.RawMessage `json:",omitempty"`
	Assets                   []brandingAsset `json:",omitempty"`
}

// BrandingInput is the request of the managed login branding operations.
type BrandingInput struct {
	UserPoolId, ClientId, ManagedLoginBrandingId string
	UseCognitoProvidedValues                     *bool
	Settings                                     json.RawMessage
	Assets                                       []brandingAsset
	ReturnMergedResources                        bool
}

var errBrandingNotFound = apierr.New(apierr.ResourceNotFound, "Managed login branding does not exist.")

// brandingOf checks a request's style: Cognito's values, or a settings
// object and assets, one per category and color mode.
func brandingOf(in *BrandingInput) (brandingConfig, error) {
	c := brandingConfig{UseCognitoProvidedValues: deref(in.UseCognitoProvidedValues), Settings: in.Settings, Assets: in.Assets}
	if string(c.Settings) == "null" {
		c.Settings = nil
	}
	if c.UseCognitoProvidedValues && (c.Settings != nil || len(c.Assets) > 0) {
		return c, apierr.Invalid("With UseCognitoProvidedValues true, leave Settings and Assets out.")
	}
	if c.Settings != nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(c.Settings, &obj) != nil {
			return c, apierr.Invalid("Settings must be a JSON object.")
		}
	}
	seen := map[[2]string]bool{}
	for _, a := range c.Assets {
		k := [2]string{a.Category, a.ColorMode}
		if seen[k] {
			return c, apierr.Invalid("Assets has two of category %s in color mode %s.", a.Category, a.ColorMode)
		}
		seen[k] = true
		if len(a.Bytes) == 0 && a.ResourceId == "" {
			return c, apierr.Invalid("Asset %s (%s) needs Bytes.", a.Category, a.ColorMode)
		}
	}
	return c, nil
}

func brandingAnswer(b storage.LoginBranding) (map[string]any, error) {
	var c brandingConfig
	if err := json.Unmarshal(b.Config, &c); err != nil {
		return nil, err
	}
	out := map[string]any{"ManagedLoginBrandingId": b.ID, "UserPoolId": b.PoolID, "UseCognitoProvidedValues": c.UseCognitoProvidedValues,
		"Assets": c.Assets, "CreationDate": awsjson.T(b.Created), "LastModifiedDate": awsjson.T(b.Modified)}
	if c.Assets == nil {
		out["Assets"] = []brandingAsset{}
	}
	if c.Settings != nil {
		out["Settings"] = c.Settings
	}
	return map[string]any{"ManagedLoginBranding": out}, nil
}

// CreateManagedLoginBranding gives an app client its managed login style.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateManagedLoginBranding.html
func (s *Service) CreateManagedLoginBranding(ctx context.Context, in *BrandingInput) (map[string]any, error) {
	if _, _, err := s.poolClient(ctx, in.UserPoolId, in.ClientId); err != nil {
		return nil, err
	}
	c, err := brandingOf(in)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	b := storage.LoginBranding{ID: uuid.NewString(), PoolID: in.UserPoolId, ClientID: in.ClientId, Config: mustJSON(c), Created: now, Modified: now}
	if err := s.store.CreateLoginBranding(ctx, b); errors.Is(err, storage.ErrAlreadyExists) {
		return nil, apierr.New(apierr.ManagedLoginBrandingExists, "Managed login branding already exists for client %s.", in.ClientId)
	} else if err != nil {
		return nil, err
	}
	return brandingAnswer(b)
}

// findBranding reads a branding by id, or by client when id is empty.
func (s *Service) findBranding(ctx context.Context, poolID, id, clientID string) (storage.LoginBranding, error) {
	if _, err := s.getPool(ctx, poolID); err != nil {
		return storage.LoginBranding{}, err
	}
	var b storage.LoginBranding
	var err error
	if id != "" {
		b, err = s.store.GetLoginBranding(ctx, poolID, id)
	} else {
		b, err = s.store.GetLoginBrandingByClient(ctx, poolID, clientID)
	}
	if isNotFound(err) {
		return b, errBrandingNotFound
	}
	return b, err
}

// DescribeManagedLoginBranding answers a branding (as kept: cognitod has
// no Cognito defaults to merge it with).
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeManagedLoginBranding.html
func (s *Service) DescribeManagedLoginBranding(ctx context.Context, in *BrandingInput) (map[string]any, error) {
	b, err := s.findBranding(ctx, in.UserPoolId, in.ManagedLoginBrandingId, "")
	if err != nil {
		return nil, err
	}
	return brandingAnswer(b)
}

// DescribeManagedLoginBrandingByClient answers an app client's branding.
func (s *Service) DescribeManagedLoginBrandingByClient(ctx context.Context, in *BrandingInput) (map[string]any, error) {
	b, err := s.findBranding(ctx, in.UserPoolId, "", in.ClientId)
	if err != nil {
		return nil, err
	}
	return brandingAnswer(b)
}

// UpdateManagedLoginBranding replaces a branding's style.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateManagedLoginBranding.html
func (s *Service) UpdateManagedLoginBranding(ctx context.Context, in *BrandingInput) (map[string]any, error) {
	if in.UserPoolId == "" || in.ManagedLoginBrandingId == "" {
		return nil, apierr.Invalid("UserPoolId and ManagedLoginBrandingId are required.")
	}
	b, err := s.findBranding(ctx, in.UserPoolId, in.ManagedLoginBrandingId, "")
	if err != nil {
		return nil, err
	}
	c, err := brandingOf(in)
	if err != nil {
		return nil, err
	}
	b.Config, b.Modified = mustJSON(c), s.clock()
	if err := s.store.UpdateLoginBranding(ctx, b); isNotFound(err) {
		return nil, errBrandingNotFound
	} else if err != nil {
		return nil, err
	}
	return brandingAnswer(b)
}

// DeleteManagedLoginBranding removes a branding.
func (s *Service) DeleteManagedLoginBranding(ctx context.Context, in *BrandingInput) (map[string]any, error) {
	if _, err := s.getPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	if err := s.store.DeleteLoginBranding(ctx, in.UserPoolId, in.ManagedLoginBrandingId); isNotFound(err) {
		return nil, errBrandingNotFound
	} else if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}
