// Package reconciler holds the Reconciler component: the reconcile
// function (functions/reconcile), deployed as a Compute component of its
// own (its role, log group and settings made the same way as the
// pipeline's functions), and the EventBridge schedule that invokes it:
// a rule with a schedule expression, its target (with a retry policy and a
// KMS-encrypted dead-letter queue only that rule may send to) and the
// permission that lets only that rule invoke the function. The function needs the state
// machine's ARN to redrive files, so the component is created after the
// pipeline, apart from the pipeline's own functions.
package reconciler
