// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"github.com/airlock-dev/airlock/verify"
)

// finish records err as the failed check named check, fills in the failure
// and the verdict, and returns err.
func finish(res *verify.Result, err error, check string) error {
	if err != nil && check != "" {
		res.AddCheck(check, verify.StatusFailed, detail(err))
	}
	if f, ok := verify.AsFailure(err); ok {
		res.Failure = &verify.FailureInfo{Reason: f.Reason, Message: f.Message}
	}
	res.Verified = err == nil
	return err
}

// detail is what a failed check's line says: a failure's message without
// the "verification failed" prefix the final error carries.
func detail(err error) string {
	if f, ok := verify.AsFailure(err); ok {
		return string(f.Reason) + ": " + f.Message
	}
	return err.Error()
}
