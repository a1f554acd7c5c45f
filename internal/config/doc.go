// Package config is cognitod's typed configuration: an optional YAML file
// (unknown keys rejected, $VAR expansion), then environment variables, then
// flags; Validate reports every problem at once.
package config
