// Package durable writes files that survive a crash once the call returns:
// the data synced, the file renamed into place, the directory synced. It
// is for the few files cognitod keeps beside its database (the data key,
// generated credentials, backups).
package durable
