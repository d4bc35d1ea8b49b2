package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/dataset"
	"github.com/sluicehq/sluice/functions/contract"
	"github.com/sluicehq/sluice/platform/policy"
)

// CheckEnrichment checks the datasets' HTTP enrichments against the stack
// configuration, every problem at once: a URL only a local run may call
// (http://127.0.0.1), functions in a VPC with no way out (config egress
// none), a secret with no ARN in enrichmentSecrets, and an ARN no dataset
// needs (the enricher would be granted a secret it never reads).
func CheckEnrichment(cfg Config, ds []*dataset.Dataset) error {
	var errs []error
	key := func(k string) string { return cfg.Project + ":" + k }
	used := map[string]bool{}
	for _, d := range ds {
		for _, h := range d.Enrichment.HTTP {
			where := fmt.Sprintf("dataset %s, HTTP enrichment %s (%s)", d.Name, h.Name, h.URL)
			if !strings.HasPrefix(h.URL, "https://") {
				errs = append(errs, fmt.Errorf("%s: plain http runs only locally; a deployed enricher calls https URLs only", where))
			}
			if cfg.VPC && cfg.Egress != EgressNAT {
				errs = append(errs, fmt.Errorf("config %s: %s: functions in the VPC cannot reach the internet with %s %s; set it to %s (a NAT gateway, docs/deploy.md)",
					key("vpc"), where, key("egress"), cfg.Egress, EgressNAT))
			}
			if h.Auth == nil {
				continue
			}
			used[h.Auth.Secret] = true
			if cfg.EnrichmentSecrets[h.Auth.Secret] == "" {
				errs = append(errs, fmt.Errorf("config %s: %s sends secret %q, which has no ARN (add %s=arn:aws:secretsmanager:...)",
					key("enrichmentSecrets"), where, h.Auth.Secret, h.Auth.Secret))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.EnrichmentSecrets)) {
		if !used[name] {
			errs = append(errs, fmt.Errorf("config %s: no dataset's HTTP enrichment sends secret %q; remove it (the enricher is granted only what it reads)", key("enrichmentSecrets"), name))
		}
	}
	return errors.Join(errs...)
}

// enrichSecretARNs returns the ARNs of the secrets the enricher reads, by
// name (CheckEnrichment has checked that each has one).
func enrichSecretARNs(cfg Config, ds []*dataset.Dataset) map[string]string {
	out := map[string]string{}
	for _, d := range ds {
		for _, h := range d.Enrichment.HTTP {
			if h.Auth != nil && cfg.EnrichmentSecrets[h.Auth.Secret] != "" {
				out[h.Auth.Secret] = cfg.EnrichmentSecrets[h.Auth.Secret]
			}
		}
	}
	return out
}

// enrichSecretsEnv returns the enricher's SLUICE_ENRICH_SECRETS (nil
// without secrets).
func enrichSecretsEnv(arns map[string]string) (map[string]string, error) {
	if len(arns) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(arns)
	if err != nil {
		return nil, err
	}
	return map[string]string{contract.EnvEnrichSecrets: string(b)}, nil
}

// SecretStatements returns what the enricher needs to read its secrets:
// secretsmanager:GetSecretValue on exactly those secret ARNs and, when
// they are encrypted with a customer managed key, kms:Decrypt with that
// key only through Secrets Manager in the stack's region (kms:ViaService).
// Through Secrets Manager the role can decrypt only what GetSecretValue
// lets it read, so no condition on the encryption context (SecretARN) is
// added: the IAM proof's simulator cannot evaluate such keys, and the
// grant would be no narrower. The AWS managed key aws/secretsmanager
// needs no grant: its key policy lets Secrets Manager use it for any
// caller the secret's permissions admit.
func SecretStatements(arns map[string]string, keyARN, region string) []policy.Statement {
	if len(arns) == 0 {
		return nil
	}
	list := slices.Compact(slices.Sorted(maps.Values(arns)))
	out := []policy.Statement{policy.Allow("ReadEnrichmentSecrets", []string{"secretsmanager:GetSecretValue"}, list)}
	if keyARN != "" {
		st := policy.Allow("DecryptEnrichmentSecrets", []string{"kms:Decrypt"}, []string{keyARN})
		st.Condition = map[string]map[string][]string{"StringEquals": {
			"kms:ViaService": {"secretsmanager." + region + ".amazonaws.com"},
		}}
		out = append(out, st)
	}
	return out
}
