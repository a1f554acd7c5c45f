package userpool

import (
	"context"
	"encoding/json"

	"github.com/cognitod/cognitod/internal/apierr"
)

// Log delivery: where a pool's logs would go (CloudWatch Logs, S3 or
// Firehose), kept and answered as Cognito checks it: message-delivery
// errors (userNotification, at ERROR, to CloudWatch Logs) and user
// activity (userAuthEvents, at INFO, to any of the three), one
// configuration for each at most. cognitod writes its own log, not to
// these destinations.

const logDeliveryMember = "cognitod:LogDelivery"

// logConfiguration is one LogConfigurationType.
type logConfiguration struct {
	LogLevel                    string
	EventSource                 string
	CloudWatchLogsConfiguration json.RawMessage `json:",omitempty"`
	S3Configuration             json.RawMessage `json:",omitempty"`
	FirehoseConfiguration       json.RawMessage `json:",omitempty"`
}

func checkLogConfigurations(list []logConfiguration) error {
	seen := map[string]bool{}
	for _, c := range list {
		if seen[c.EventSource] {
			return apierr.Invalid("Only one log configuration per EventSource is allowed: %s is given twice.", c.EventSource)
		}
		seen[c.EventSource] = true
		dest := 0
		for _, d := range []json.RawMessage{c.CloudWatchLogsConfiguration, c.S3Configuration, c.FirehoseConfiguration} {
			if len(d) > 0 && string(d) != "null" {
				dest++
			}
		}
		if dest != 1 {
			return apierr.Invalid("A log configuration needs exactly one destination: CloudWatchLogsConfiguration, S3Configuration or FirehoseConfiguration.")
		}
		switch c.EventSource {
		case "userNotification":
			if c.LogLevel != "ERROR" || len(c.CloudWatchLogsConfiguration) == 0 {
				return apierr.Invalid("userNotification logs are delivered at LogLevel ERROR to CloudWatch Logs.")
			}
		case "userAuthEvents":
			if c.LogLevel != "INFO" {
				return apierr.Invalid("userAuthEvents logs are delivered at LogLevel INFO.")
			}
		}
	}
	return nil
}

func logDeliveryAnswer(poolID string, list []logConfiguration) map[string]any {
	if list == nil {
		list = []logConfiguration{}
	}
	return map[string]any{"LogDeliveryConfiguration": map[string]any{"UserPoolId": poolID, "LogConfigurations": list}}
}

// SetLogDeliveryConfiguration sets where a pool's logs go.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetLogDeliveryConfiguration.html
func (s *Service) SetLogDeliveryConfiguration(ctx context.Context, in *struct {
	UserPoolId        string
	LogConfigurations []logConfiguration
}) (map[string]any, error) {
	if _, err := s.getPool(ctx, in.UserPoolId); err != nil {
		return nil, err
	}
	if err := checkLogConfigurations(in.LogConfigurations); err != nil {
		return nil, err
	}
	err := s.changePool(ctx, in.UserPoolId, false, func(p *pool) error {
		p.cfg[logDeliveryMember] = mustJSON(in.LogConfigurations)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return logDeliveryAnswer(in.UserPoolId, in.LogConfigurations), nil
}

// GetLogDeliveryConfiguration answers where a pool's logs go.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetLogDeliveryConfiguration.html
func (s *Service) GetLogDeliveryConfiguration(ctx context.Context, in *struct{ UserPoolId string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	var list []logConfiguration
	_ = jsonInto(p.cfg[logDeliveryMember], &list)
	return logDeliveryAnswer(p.ID, list), nil
}
