package userpool

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/quota"
	"github.com/cognitod/cognitod/internal/storage"
)

// Provisioned limits: an account raises an API category's request rate
// in a Region (UpdateProvisionedLimit) above its free limit, up to the
// account's maximum. The values are kept in storage for every node; with
// quota emulation on, the node that takes the update and every node that
// starts later apply it (limits are per node).

const (
	provisionedSetting = "provisioned-limits" // {region: {category: rate}}
	// maxProvisionedFactor bounds a category's provisioned rate at this
	// many times its free limit: the account maximum (cognitod choice;
	// Service Quotas sets Cognito's).
	maxProvisionedFactor = 10
)

// LimitDefinitionType names a limit: an API category.
type LimitDefinitionType struct {
	LimitClass string
	Attributes map[string]string
}

// freeLimit answers a category's free limit: the configured rate when
// quota emulation is on, else Cognito's default.
func (s *Service) freeLimit(def LimitDefinitionType) (string, int, error) {
	cat := def.Attributes["Category"]
	free, ok := quota.DefaultRates[cat]
	if def.LimitClass != "API_CATEGORY" || !ok {
		return "", 0, apierr.Invalid("The limit is not an API category's: give LimitClass API_CATEGORY and Attributes Category, one of the quota categories (UserAuthentication, UserCreation, ...).")
	}
	if s.limiter != nil && s.limiter.Rate(cat) > 0 {
		free = s.limiter.Rate(cat)
	}
	return cat, int(free), nil
}

func (s *Service) provisionedLimits(ctx context.Context) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	raw, err := s.store.Setting(ctx, provisionedSetting)
	if errors.Is(err, storage.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, json.Unmarshal(raw, &out)
}

// ApplyProvisionedLimits gives the limiter every Region's provisioned
// limits (at start-up).
func (s *Service) ApplyProvisionedLimits(ctx context.Context) error {
	if s.limiter == nil {
		return nil
	}
	all, err := s.provisionedLimits(ctx)
	if err != nil {
		return err
	}
	for region, cats := range all {
		for cat, v := range cats {
			s.limiter.SetProvisioned(region, cat, float64(v))
		}
	}
	return nil
}

func limitAnswer(def LimitDefinitionType, provisioned, free int) map[string]any {
	return map[string]any{"Limit": map[string]any{"LimitDefinition": def, "ProvisionedLimitValue": provisioned, "FreeLimitValue": free}}
}

// GetProvisionedLimit answers an API category's provisioned and free
// limits in the Region.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetProvisionedLimit.html
func (s *Service) GetProvisionedLimit(ctx context.Context, in *struct{ LimitDefinition LimitDefinitionType }) (map[string]any, error) {
	cat, free, err := s.freeLimit(in.LimitDefinition)
	if err != nil {
		return nil, err
	}
	all, err := s.provisionedLimits(ctx)
	if err != nil {
		return nil, err
	}
	provisioned := max(all[RegionFrom(ctx)][cat], free)
	return limitAnswer(in.LimitDefinition, provisioned, free), nil
}

// UpdateProvisionedLimit sets an API category's rate in the Region, between
// its free limit and the account maximum.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateProvisionedLimit.html
func (s *Service) UpdateProvisionedLimit(ctx context.Context, in *struct {
	LimitDefinition     LimitDefinitionType
	RequestedLimitValue int
}) (map[string]any, error) {
	cat, free, err := s.freeLimit(in.LimitDefinition)
	if err != nil {
		return nil, err
	}
	switch {
	case in.RequestedLimitValue < free:
		return nil, apierr.Invalid("RequestedLimitValue %d is below the free limit of %s, %d requests per second.", in.RequestedLimitValue, cat, free)
	case in.RequestedLimitValue > free*maxProvisionedFactor:
		return nil, apierr.New(apierr.ServiceQuotaExceeded, "RequestedLimitValue %d is above the account's maximum for %s, %d requests per second.",
			in.RequestedLimitValue, cat, free*maxProvisionedFactor)
	}
	region := RegionFrom(ctx)
	err = s.store.UpdateSetting(ctx, provisionedSetting, func(old []byte) ([]byte, error) {
		all := map[string]map[string]int{}
		if len(old) > 0 {
			if err := json.Unmarshal(old, &all); err != nil {
				return nil, err
			}
		}
		if all[region] == nil {
			all[region] = map[string]int{}
		}
		all[region][cat] = in.RequestedLimitValue
		return json.Marshal(all)
	})
	if err != nil {
		return nil, err
	}
	if s.limiter != nil {
		s.limiter.SetProvisioned(region, cat, float64(in.RequestedLimitValue))
	}
	return limitAnswer(in.LimitDefinition, in.RequestedLimitValue, free), nil
}
