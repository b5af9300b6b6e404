// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"github.com/airlock-dev/airlock/verify"
)

// finish records err as the failed check named check, fills in the failure
// and the verdict, and returns err. A nil err changes nothing: only the
// stage that completes a verification says it verified.
func finish(res *verify.Result, err error, check string) error {
	if err == nil {
		return nil
	}
	if check != "" {
		res.AddCheck(check, verify.StatusFailed, detail(err))
	}
	if f, ok := verify.AsFailure(err); ok {
		res.Failure = &verify.FailureInfo{Reason: f.Reason, Message: f.Detail()}
	}
	res.Verified = false
	return err
}

// detail is what a failed check's line says: a failure's message without
// the "verification failed" prefix the final error carries.
func detail(err error) string {
	if f, ok := verify.AsFailure(err); ok {
		return string(f.Reason) + ": " + f.Detail()
	}
	return err.Error()
}
