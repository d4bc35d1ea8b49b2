// Package monitoring holds the two monitoring components: Alerts, the
// KMS-encrypted SNS topic alarms (and the pipeline's own notifications) go
// to, with an optional e-mail subscription, created early so the state
// machine can name it; and Monitoring, the alarms on the state machine,
// every function, the dead-letter queue, the unrouted queue (files no
// dataset accepts), the reconciler's UnaccountedFiles metric (files no
// execution claimed) and the tables, plus a CloudWatch dashboard whose
// JSON body is built from Go structs.
package monitoring
