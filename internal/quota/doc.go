// Package quota emulates Cognito's request-rate quotas (per account and
// Region, by category) with token buckets, so that users can test their
// retry logic against TooManyRequestsException "Rate exceeded". It is off
// by default; with several nodes the limits apply per node.
package quota
