package components

import (
	"encoding/json"
	"fmt"
)

// policyDocument is an IAM policy document. Policies are built as values and marshalled, never
// written as JSON strings by hand.
type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid       string           `json:"Sid,omitempty"`
	Effect    string           `json:"Effect"`
	Principal *policyPrincipal `json:"Principal,omitempty"`
	Action    []string         `json:"Action"`
	Resource  []string         `json:"Resource,omitempty"`
	Condition map[string]any   `json:"Condition,omitempty"`
}

type policyPrincipal struct {
	Service []string `json:"Service"`
}

func (d policyDocument) json() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("marshal policy document: %w", err)
	}
	return string(b), nil
}

// assumeRolePolicy is the trust policy that lets the given AWS service principals assume a role.
func assumeRolePolicy(services ...string) (string, error) {
	return policyDocument{
		Version: "2012-10-17",
		Statement: []policyStatement{{
			Effect:    "Allow",
			Principal: &policyPrincipal{Service: services},
			Action:    []string{"sts:AssumeRole"},
		}},
	}.json()
}
