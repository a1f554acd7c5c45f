// Package conformance is the one test suite every storage backend must
// pass: CRUD, the not-found and already-exists contracts, pagination,
// uniqueness enforced by the database, concurrent writers and UTC round
// trips. A backend runs it in a few lines with Run.
package conformance
