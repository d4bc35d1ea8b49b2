package reconcile

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/dataset/routing/eventmatch"
	"github.com/sluicehq/sluice/functions/contract"
)

// Defaults of Config.
const (
	// DefaultGrace is ParseConfig's grace period: an execution claims its
	// file within seconds of the upload, so a quarter of an hour leaves
	// room for EventBridge's own retries.
	DefaultGrace = 15 * time.Minute
	// DefaultLookback bounds the files looked at to a week's.
	DefaultLookback = 7 * 24 * time.Hour
	// DefaultMaxRedrives bounds the executions one run starts.
	DefaultMaxRedrives = 100
	// DefaultMaxAttempts bounds the redrives of one unfinished file.
	DefaultMaxAttempts = 3
	// DefaultDeadlineMargin is kept free before the Lambda deadline.
	DefaultDeadlineMargin = 10 * time.Second
)

// Config is the reconciler's deployment configuration, read from the
// environment by functions/cmd/reconcile (see ParseConfig).
type Config struct {
	// Bucket is the pipeline bucket (SLUICE_BUCKET). Required.
	Bucket string
	// LedgerTable is the physical name of the ledger table
	// (SLUICE_TABLE_LEDGER). Required.
	LedgerTable string
	// Rules are the deployed event patterns of the datasets' rules, by
	// dataset name (SLUICE_RECONCILE_RULES, a JSON object). At least one.
	Rules Rules
	// Grace leaves objects modified less than Grace ago for a later run:
	// their execution may not have claimed them yet (SLUICE_RECONCILE_GRACE).
	// Zero checks every object whatever its age, which suits the local
	// runtime: no execution is in flight while it holds the state
	// directory. ParseConfig's default: DefaultGrace.
	Grace time.Duration
	// Lookback leaves out objects modified more than Lookback ago
	// (SLUICE_RECONCILE_LOOKBACK); it must exceed Grace. Default:
	// DefaultLookback.
	Lookback time.Duration
	// Redrive starts the state machine for unaccounted files a dataset's
	// rule matches (SLUICE_RECONCILE_REDRIVE=true). Default: false.
	Redrive bool
	// StateMachineARN is the pipeline (SLUICE_STATE_MACHINE_ARN); required
	// with Redrive.
	StateMachineARN string
	// MaxRedrives bounds the executions one run starts
	// (SLUICE_RECONCILE_MAX_REDRIVES); the others are started by later
	// runs. Default: DefaultMaxRedrives.
	MaxRedrives int
	// MaxAttempts bounds the executions redrives start for one file
	// version whose executions keep ending unfinished
	// (SLUICE_RECONCILE_MAX_ATTEMPTS); then it is reported as
	// RedriveExhausted. Default: DefaultMaxAttempts.
	MaxAttempts int
	// DeadlineMargin is kept free before the Lambda deadline to report
	// instead of being killed (SLUICE_RECONCILE_DEADLINE_MARGIN); at most a
	// quarter of the time left is kept. Default: DefaultDeadlineMargin.
	DeadlineMargin time.Duration
	// BatchPrefixes are the prefixes of the datasets processed in batches
	// (SLUICE_RECONCILE_BATCH_PREFIXES, a JSON array): their files wait for
	// no event, every batch lists them and takes over their unfinished
	// claims, so the reconciler neither reports nor starts them (it would
	// race the batch). Default: none.
	BatchPrefixes []string
	// PageSize is the MaxKeys of each ListObjectVersions request; zero
	// leaves S3's own (1000). Tests set it low to exercise pagination.
	PageSize int32
}

// ParseConfig builds a Config from environment variables looked up with
// getenv (os.Getenv in main), applies the defaults and checks the result.
func ParseConfig(getenv func(string) string) (Config, error) {
	c := Config{
		Bucket:          getenv(contract.EnvBucket),
		LedgerTable:     getenv(contract.EnvTableLedger),
		StateMachineARN: getenv(contract.EnvStateMachineARN),
		Grace:           DefaultGrace,
	}
	var errs []error
	rules, err := ParseRules(getenv(contract.EnvReconcileRules))
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", contract.EnvReconcileRules, err))
	}
	c.Rules = rules
	duration := func(name string, into *time.Duration) {
		v := getenv(name)
		if v == "" {
			return
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 15m", name, v))
			return
		}
		*into = d
	}
	if v := getenv(contract.EnvReconcileBatchPrefixes); v != "" {
		if err := json.Unmarshal([]byte(v), &c.BatchPrefixes); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want a JSON array of key prefixes", contract.EnvReconcileBatchPrefixes, v))
		}
	}
	duration(contract.EnvReconcileGrace, &c.Grace)
	duration(contract.EnvReconcileLookback, &c.Lookback)
	duration(contract.EnvReconcileDeadlineMargin, &c.DeadlineMargin)
	switch v := getenv(contract.EnvReconcileRedrive); v {
	case "", "false":
	case "true":
		c.Redrive = true
	default:
		errs = append(errs, fmt.Errorf("%s=%q: want true or false", contract.EnvReconcileRedrive, v))
	}
	if v := getenv(contract.EnvReconcileMaxRedrives); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive integer", contract.EnvReconcileMaxRedrives, v))
		}
		c.MaxRedrives = n
	}
	if v := getenv(contract.EnvReconcileMaxAttempts); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive integer", contract.EnvReconcileMaxAttempts, v))
		}
		c.MaxAttempts = n
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	return c.withDefaults()
}

// withDefaults fills the zero fields that have defaults and checks c.
func (c Config) withDefaults() (Config, error) {
	if c.Lookback == 0 {
		c.Lookback = DefaultLookback
	}
	if c.MaxRedrives == 0 {
		c.MaxRedrives = DefaultMaxRedrives
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.DeadlineMargin == 0 {
		c.DeadlineMargin = DefaultDeadlineMargin
	}
	var errs []error
	if c.Bucket == "" || c.LedgerTable == "" {
		errs = append(errs, fmt.Errorf("reconcile: the bucket (%s) and the ledger table (%s) are required", contract.EnvBucket, contract.EnvTableLedger))
	}
	if len(c.Rules) == 0 {
		errs = append(errs, fmt.Errorf("reconcile: no dataset rules (%s)", contract.EnvReconcileRules))
	}
	if err := c.Rules.check(); err != nil {
		errs = append(errs, err)
	}
	if c.Grace < 0 || c.Lookback <= c.Grace {
		errs = append(errs, fmt.Errorf("reconcile: the lookback (%v) must exceed the grace period (%v)", c.Lookback, c.Grace))
	}
	if c.Redrive && c.StateMachineARN == "" {
		errs = append(errs, fmt.Errorf("reconcile: redrive needs the state machine (%s)", contract.EnvStateMachineARN))
	}
	if c.MaxRedrives < 0 || c.MaxAttempts < 0 || c.DeadlineMargin < 0 || c.PageSize < 0 {
		errs = append(errs, errors.New("reconcile: negative MaxRedrives, MaxAttempts, DeadlineMargin or PageSize"))
	}
	return c, errors.Join(errs...)
}

// Rules are the event patterns of the datasets' rules, by dataset name, as
// deployed (decoded JSON).
type Rules map[string]map[string]any

// ParseRules decodes SLUICE_RECONCILE_RULES: a JSON object of dataset name
// to event pattern. Every pattern must pass eventmatch.Validate.
func ParseRules(s string) (Rules, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty")
	}
	var r Rules
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("not a JSON object of dataset name to event pattern: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the JSON object")
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}

// Encode returns r as contract.EnvReconcileRules holds it
// (contract.ReconcileRules.Encode).
func (r Rules) Encode() (string, error) { return contract.ReconcileRules(r).Encode() }

// check reports the first malformed pattern (eventmatch.Validate), so that
// a malformed pattern fails the configuration rather than a run.
func (r Rules) check() error {
	for _, name := range r.names() {
		if name == "" || r[name] == nil {
			return fmt.Errorf("dataset %q has no pattern", name)
		}
		if err := eventmatch.Validate(r[name]); err != nil {
			return fmt.Errorf("pattern of dataset %s: %w", name, err)
		}
	}
	return nil
}

// names returns the dataset names, sorted.
func (r Rules) names() []string {
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Match returns the datasets whose rule matches the event, sorted.
func (r Rules) Match(event map[string]any) ([]string, error) {
	return r.match(event, eventmatch.Match)
}

// MatchBeyondRange returns the datasets whose rule would match the event
// if EventBridge compared numbers beyond ±eventmatch.MaxNumeric.
func (r Rules) MatchBeyondRange(event map[string]any) ([]string, error) {
	return r.match(event, eventmatch.MatchBeyondRange)
}

func (r Rules) match(event map[string]any, match func(pattern, event map[string]any) (bool, error)) ([]string, error) {
	var out []string
	for _, name := range r.names() {
		ok, err := match(r[name], event)
		if err != nil {
			return nil, fmt.Errorf("rule of dataset %s: %w", name, err)
		}
		if ok {
			out = append(out, name)
		}
	}
	return out, nil
}
