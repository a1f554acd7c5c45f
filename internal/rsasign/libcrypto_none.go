//go:build !cgo || !linux

package rsasign

import "crypto/rsa"

// Without cgo, or off Linux, crypto/rsa signs.

const libcryptoBuilt = false

type libKey struct{}

func libVersion() (string, error) { return "", errUnavailable }

func loadLibKey(*rsa.PrivateKey) (*libKey, error) { return nil, errUnavailable }

func (*libKey) sign([]byte, int) ([]byte, error) { return nil, errUnavailable }
