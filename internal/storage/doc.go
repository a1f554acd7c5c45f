// Package storage defines what cognitod keeps: user pools, users, federated
// identities (links), identity providers and app clients, behind one
// interface, with sentinel errors. It holds no Cognito rule: the userpool
// package decides, storage stores and enforces uniqueness in the database.
package storage
