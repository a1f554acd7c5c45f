package api

import (
	"testing"

	"github.com/cognitod/cognitod/internal/quota"
)

// Every operation cognitod answers counts against one of the real
// service's quota categories when quota emulation is on, except the two
// that set the categories' limits.
func TestEveryOperationHasAQuotaCategory(t *testing.T) {
	for name := range operations(nil) {
		if name == "GetProvisionedLimit" || name == "UpdateProvisionedLimit" {
			continue
		}
		if quota.Category(name) == "" {
			t.Errorf("%s has no quota category", name)
		}
	}
}
